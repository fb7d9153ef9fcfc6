using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>Small typed accessors over tokenizer.json elements that turn a missing or mistyped field into a <see cref="TokenizerFormatException"/>.</summary>
internal static class TokenizerJson
{
    /// <summary>SentencePiece's word-start marker, U+2581.</summary>
    public const string Metaspace = "\u2581";

    public static string Type(JsonElement element, string source, string what) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : throw new TokenizerFormatException(source, $"a {what} has no \"type\".");

    public static string String(JsonElement element, string name, string source) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new TokenizerFormatException(source, $"\"{name}\" is missing or not a string in {element.GetRawText()}.");

    public static bool Bool(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;

    public static int Int(JsonElement element, string name, int fallback) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : fallback;

    public static JsonElement.ArrayEnumerator Array(JsonElement element, string name, string source) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw new TokenizerFormatException(source, $"\"{name}\" is missing or not an array in {element.GetRawText()}.");

    /// <summary>A "pattern" of {"String": s} (literal) or {"Regex": r}, as a .NET regular expression.</summary>
    public static Regex Pattern(JsonElement element, string source)
    {
        if (!element.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException(source, $"\"pattern\" is missing in {element.GetRawText()}.");
        }

        if (pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String)
        {
            return new Regex(Regex.Escape(literal.GetString()!), RegexOptions.CultureInvariant);
        }

        if (pattern.TryGetProperty("Regex", out var expression) && expression.ValueKind == JsonValueKind.String)
        {
            return Compile(expression.GetString()!, source);
        }

        throw new TokenizerFormatException(source, $"pattern {pattern.GetRawText()} is neither String nor Regex.");
    }

    /// <summary>
    /// Compiles an Oniguruma pattern as a .NET one. The common ones (GPT-2's, Llama 3's) mean the same in both;
    /// syntax .NET lacks (possessive quantifiers) is refused with a clear error rather than matched differently.
    /// </summary>
    public static Regex Compile(string expression, string source)
    {
        try
        {
            return new Regex(expression, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException error)
        {
            throw new TokenizerFormatException(source, $"regular expression '{expression}' is not supported by .NET: {error.Message}", error);
        }
    }
}
