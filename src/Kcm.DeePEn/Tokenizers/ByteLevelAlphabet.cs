namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// GPT-2's reversible byte-to-character map: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for
/// themselves, the other 68 bytes take U+0100 upwards in byte order (so a space, byte 32, is "Ġ" U+0120).
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    /// <summary>The character that spells <paramref name="value"/>.</summary>
    public static char Encode(byte value) => ByteToChar[value];

    /// <summary>The byte a character spells; false for characters outside the alphabet.</summary>
    public static bool TryDecode(char symbol, out byte value) => CharToByte.TryGetValue(symbol, out value);

    /// <summary>The text's UTF-8 bytes spelled in the alphabet.</summary>
    public static string EncodeText(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }

        return new string(chars);
    }

    private static bool Printable(int value) =>
        value is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            map[b] = Printable(b) ? (char)b : (char)(256 + shifted++);
        }

        return map;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (byte)b;
        }

        return map;
    }
}
