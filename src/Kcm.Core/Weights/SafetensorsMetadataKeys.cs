namespace Kcm.Core.Weights;

/// <summary>The keys KCM writes into a safetensors file's "__metadata__" map (all values are strings).</summary>
public static class SafetensorsMetadataKeys
{
    /// <summary>The architecture text of the model, e.g. "mlp:784-64-10".</summary>
    public const string Architecture = "architecture";

    /// <summary>The model's version (free text, e.g. "3").</summary>
    public const string Version = "version";

    /// <summary>When the file was written, ISO 8601 UTC ("O" format).</summary>
    public const string Created = "created";

    /// <summary>Lowercase hex SHA-256 of the whole data section (every byte after the header).</summary>
    public const string Sha256 = "sha256";

    /// <summary>PyTorch's writer adds "format": "pt"; we write it too so torch loaders treat our files as their own.</summary>
    public const string Format = "format";
}
