using Kcm.DeePEn.Tokenizers;
using Kcm.Onnx;
using Kcm.Testing;

namespace Kcm.DeePEn.Tests;

/// <summary>The committed fixtures and the ONNX Runtime session options the tests use.</summary>
internal static class DeePEnFixtures
{
    public static string TinyModel => Path("tiny_lm.onnx");
    public static string TinyEmbeddings => Path("tiny_lm.embeddings.safetensors");
    public static string TinyReference => Path("tiny_lm.reference.json");
    public static string TokenizerReference => Path("tokenizer_reference.json");

    /// <summary>Debian's base-files ships these on every machine; the tokenizers were trained on them.</summary>
    public const string LicenseFolder = "/usr/share/common-licenses";

    public static BpeTokenizer ByteLevel { get; } = BpeTokenizer.Load(Path("byte_level.tokenizer.json"));

    public static BpeTokenizer SentencePiece { get; } = BpeTokenizer.Load(Path("sentencepiece.tokenizer.json"));

    public static OnnxSessionOptions OnnxOptions { get; } = new() { IntraOpThreads = 1 };

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Non-ASCII text written for these tests (accents, Greek, Cyrillic, CJK, an emoji, odd spacing).</summary>
    public static readonly string[] NonAsciiTexts =
    [
        "Ævar Arnfjörð Bjarmason fixed a naïve café bug — again.",
        "Ελληνικά, русский, 日本語のテキスト and emoji 🙂 together.",
        "Grüße aus Köln: 3½ €, 10 °C, “quoted” ‘single’ … done",
        "  two leading spaces, a tab\there,\nnew line and trailing spaces  ",
        "\u2028line separator, zero\u200Bwidth and a lone combining e\u0301",
    ];

    public static IEnumerable<string> LicenseFiles() =>
        Directory.EnumerateFiles(LicenseFolder).Order(StringComparer.Ordinal);
}
