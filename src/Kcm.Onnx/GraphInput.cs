namespace Kcm.Onnx;

/// <summary>One input an ONNX graph declares, as hint detection sees it.</summary>
/// <param name="Name">The input's name.</param>
/// <param name="Dimensions">Its shape; -1 (or 0) for a dynamic dimension such as the batch.</param>
/// <param name="IsFloatTensor">Whether it is a float32 tensor.</param>
public sealed record GraphInput(string Name, int[] Dimensions, bool IsFloatTensor)
{
    /// <summary>The input for people: its name and shape, dynamic dimensions as N (e.g. <c>image [N,1,28,28]</c>).</summary>
    public override string ToString() =>
        $"{Name} [{string.Join(",", Dimensions.Select(d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "N"))}]";
}
