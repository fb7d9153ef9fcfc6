namespace Kcm.Testing;

/// <summary>Where Debian's dataset-fashion-mnist package puts the data (installed by ./kcm setup).</summary>
public static class FashionMnistFiles
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";
    public static string TrainImages => System.IO.Path.Combine(Folder, "train-images-idx3-ubyte.gz");
    public static string TrainLabels => System.IO.Path.Combine(Folder, "train-labels-idx1-ubyte.gz");
    public static string TestImages => System.IO.Path.Combine(Folder, "t10k-images-idx3-ubyte.gz");
    public static string TestLabels => System.IO.Path.Combine(Folder, "t10k-labels-idx1-ubyte.gz");
}
