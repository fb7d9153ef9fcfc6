using System.Reflection;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>The built programs the tests run as processes (paths recorded at build time).</summary>
public static class BuiltPrograms
{
    /// <summary>src/Kcm.Silo's Kcm.Silo.dll: one silo, shaped by its configuration.</summary>
    public static string Silo { get; } = Metadata("KcmSiloAssembly");

    /// <summary>src/Kcm.Cli's kcm.dll.</summary>
    public static string Cli { get; } = Metadata("KcmCliAssembly");

    /// <summary>The tiny ONNX large model the silos run (reads the small model's probabilities as its hint input).</summary>
    public static string TinyLargeModel => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_large_hint.onnx");

    private static string Metadata(string key) => typeof(BuiltPrograms).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == key).Value!;
}
