using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class RDataFileTests : IDisposable
{
    private const string LetterRecognition = "/usr/lib/R/site-library/mlbench/data/LetterRecognition.rda";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_MlbenchLetterRecognition_IsTwentyThousandRowsOfSixteenFeaturesInTwentySixClasses()
    {
        // Debian's r-cran-mlbench (installed by ./kcm setup); xz-compressed, as R packages ship their data.
        var data = RDataFile.Read(LetterRecognition);

        Assert.Equal(20_000, data.Count);
        Assert.Equal(16, data.FeatureCount);
        Assert.Equal(26, data.ClassCount);
        // The first row, as R prints it: lettr T, then x.box 2, y.box 8, width 3, high 5, onpix 1, x.bar 8, y.bar 13 ...
        Assert.Equal(19, data.Labels[0]);
        Assert.Equal([2f, 8f, 3f, 5f, 1f, 8f, 13f, 0f, 6f, 6f, 10f, 8f, 0f, 8f, 0f, 8f], data.Row(0).ToArray());
        Assert.All(data.Features, v => Assert.InRange(v, 0f, 15f));
    }

    [Fact]
    public void Read_GzipDataFrame_TakesTheFactorAsLabelAndNumericColumnsAsFeatures()
    {
        var path = _folder.Write("frame.rda", Gzip(Frame(real: [1.5, -2, 3], integers: [4, 5, 6], codes: [2, 1, 2])));

        var data = RDataFile.Read(path);

        Assert.Equal([1, 0, 1], data.Labels);
        Assert.Equal(2, data.ClassCount);
        Assert.Equal([1.5f, 4f, -2f, 5f, 3f, 6f], data.Features);
    }

    [Fact]
    public void Read_MissingValue_NamesTheColumnAndRow()
    {
        var path = _folder.Write("na.rda", Gzip(Frame(real: [1, double.NaN, 3], integers: [4, 5, 6], codes: [1, 1, 2])));

        var error = Assert.Throws<DataFormatException>(() => RDataFile.Read(path));

        Assert.Contains("column 'x', row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotRData_IsAClearError()
    {
        var path = _folder.WriteText("plain.rda", "label,x\n1,2\n");

        var error = Assert.Throws<DataFormatException>(() => RDataFile.Read(path));

        Assert.Contains("not an R data file", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>save(frame, file=) as R writes it (version 2, XDR): a pairlist holding data.frame(x = real, n = integer, y = factor(a, b)).</summary>
    private static byte[] Frame(double[] real, int[] integers, int[] codes)
    {
        var w = new XdrWriter();
        w.Bytes("RDX2\nX\n"u8);
        w.Int(2);
        w.Int(0x040201);
        w.Int(0x020300);
        w.Int(2 | (1 << 10)); // LISTSXP with a tag
        w.Symbol("frame");
        w.Int(19 | (1 << 8) | (1 << 9)); // VECSXP, object, attributes
        w.Int(3);
        w.Int(14);
        w.Int(real.Length);
        foreach (var v in real)
        {
            w.Double(double.IsNaN(v) ? BitConverter.Int64BitsToDouble(0x7FF00000000007A2) : v);
        }

        w.Int(13);
        w.Int(integers.Length);
        foreach (var v in integers)
        {
            w.Int(v);
        }

        w.Int(13 | (1 << 8) | (1 << 9)); // the factor
        w.Int(codes.Length);
        foreach (var v in codes)
        {
            w.Int(v);
        }

        w.Attribute("levels", ["a", "b"]);
        w.Int(2 | (1 << 10));
        w.Symbol("class");
        w.Strings(["factor"]);
        w.Int(254);
        // The frame's attributes: names, class, row.names (compact form c(NA, -n)).
        w.Attribute("names", ["x", "n", "y"]);
        w.Int(2 | (1 << 10));
        w.Symbol("class");
        w.Strings(["data.frame"]);
        w.Int(2 | (1 << 10));
        w.Symbol("row.names");
        w.Int(13);
        w.Int(2);
        w.Int(int.MinValue);
        w.Int(-real.Length);
        w.Int(254);
        w.Int(254); // end of the top-level pairlist
        return w.ToArray();
    }

    private sealed class XdrWriter
    {
        private readonly MemoryStream _stream = new();

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void Int(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, value);
            _stream.Write(b);
        }

        public void Double(double value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(b, value);
            _stream.Write(b);
        }

        public void Symbol(string name)
        {
            Int(1);
            Char(name);
        }

        public void Char(string text)
        {
            Int(9 | (1 << 18)); // CHARSXP, UTF-8 flag in the levels bits
            var bytes = Encoding.UTF8.GetBytes(text);
            Int(bytes.Length);
            Bytes(bytes);
        }

        public void Strings(string[] values)
        {
            Int(16);
            Int(values.Length);
            foreach (var value in values)
            {
                Char(value);
            }
        }

        /// <summary>The first cell of an attribute pairlist: tag and a character vector.</summary>
        public void Attribute(string name, string[] values)
        {
            Int(2 | (1 << 10));
            Symbol(name);
            Strings(values);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
