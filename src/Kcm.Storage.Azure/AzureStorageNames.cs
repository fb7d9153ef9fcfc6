using System.Text;

namespace Kcm.Storage.Azure;

/// <summary>
/// Queue and container names as Azure Storage allows them (3 to 63 characters: lower-case letters, digits and single
/// dashes, starting and ending with a letter or digit), derived from a model name.
/// </summary>
public static class AzureStorageNames
{
    /// <summary>The prefix of a model's teacher queue.</summary>
    public const string QueuePrefix = "kcm-teacher-";

    /// <summary>The prefix of a model's blob container of model versions.</summary>
    public const string ContainerPrefix = "kcm-models-";

    /// <summary>The teacher queue of <paramref name="modelName"/>, e.g. <c>kcm-teacher-fashion-mnist</c>.</summary>
    public static string Queue(string modelName) => Derive(QueuePrefix, modelName);

    /// <summary>The model-version container of <paramref name="modelName"/>, e.g. <c>kcm-models-fashion-mnist</c>.</summary>
    public static string Container(string modelName) => Derive(ContainerPrefix, modelName);

    /// <summary>Whether <paramref name="name"/> is a valid queue or container name.</summary>
    public static bool IsValid(string? name)
    {
        if (name is null || name.Length is < 3 or > 63 || !IsLetterOrDigit(name[0]) || !IsLetterOrDigit(name[^1]))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!IsLetterOrDigit(c) && !(c == '-' && name[i - 1] != '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Derive(string prefix, string modelName)
    {
        // Lower-case letters and digits kept, every other run of characters one dash; never empty.
        var name = new StringBuilder(prefix, 63);
        foreach (var c in (modelName ?? string.Empty).ToLowerInvariant())
        {
            if (IsLetterOrDigit(c))
            {
                name.Append(c);
            }
            else if (name[^1] != '-')
            {
                name.Append('-');
            }
        }

        var text = name.ToString();
        text = text.Length > 63 ? text[..63] : text;
        text = text.TrimEnd('-');
        return text.Length == prefix.Length - 1 ? text + "-model" : text;
    }

    private static bool IsLetterOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
