using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.Benchmarks.Tokenizers;

/// <summary>
/// Encoding and decoding speed of the shipped models' tokenizers (models/sotu-*/tokenizer.json) over every State of
/// the Union address: byte-level BPE through Microsoft.ML.Tokenizers, SentencePiece-style through our own BPE.
/// `./kcm bench tokenizers [--rounds N]`.
/// </summary>
public static class TokenizerBenchmark
{
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Timed passes over the corpus (the best is reported).", DefaultValueFactory = _ => 5 };
        var command = new Command("tokenizers", "Encode and decode speed of models/sotu-*/tokenizer.json over every State of the Union address.") { rounds };
        command.SetAction(parse =>
        {
            if (parse.GetValue(rounds) < 1)
            {
                Console.Error.WriteLine("--rounds must be at least 1.");
                return 2;
            }

            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            return Run(Path.Combine(home, "models"), SotuCorpus.DefaultFolder(home), parse.GetValue(rounds));
        });
        return command;
    }

    /// <summary>Prints one row per model; returns 0 when every address decodes back to its text, 1 otherwise.</summary>
    public static int Run(string modelsFolder, string corpusFolder, int rounds, TextWriter? output = null)
    {
        output ??= Console.Out;
        var texts = SotuCorpus.Load(corpusFolder).Addresses.Select(a => a.Text).ToArray();
        var characters = texts.Sum(t => (long)t.Length);
        output.WriteLine(Invariant($"{texts.Length} addresses, {characters / 1e6:F2} M characters; best of {rounds} passes after one warm-up pass; {Environment.ProcessorCount} cores, one thread"));
        output.WriteLine("model | kind | implementation | tokens | encode ms | M tokens/s | decode ms | round trip");
        var allBack = true;
        foreach (var folder in Directory.GetDirectories(modelsFolder, "sotu-*").Order(StringComparer.Ordinal))
        {
            var tokenizer = BpeTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
            var ids = texts.Select(tokenizer.Encode).ToArray();
            var back = texts.Select((t, i) => tokenizer.Decode(ids[i]) == t).All(same => same);
            allBack &= back;
            var encode = Best(rounds, () =>
            {
                foreach (var text in texts)
                {
                    tokenizer.Encode(text);
                }
            });
            var decode = Best(rounds, () =>
            {
                foreach (var sequence in ids)
                {
                    tokenizer.Decode(sequence);
                }
            });
            var tokens = ids.Sum(s => (long)s.Length);
            var implementation = tokenizer.Kind == TokenizerKind.ByteLevel ? "Microsoft.ML.Tokenizers BpeTokenizer" : "own (SentencePieceBpe)";
            output.WriteLine(Invariant($"{Path.GetFileName(folder)} | {tokenizer.Kind} | {implementation} | {tokens:N0} | {encode.TotalMilliseconds:F0} | {tokens / encode.TotalSeconds / 1e6:F2} | {decode.TotalMilliseconds:F0} | {(back ? "yes" : "NO")}"));
        }

        return allBack ? 0 : 1;
    }

    private static TimeSpan Best(int rounds, Action pass)
    {
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            pass();
            var elapsed = Stopwatch.GetElapsedTime(started);
            best = elapsed < best ? elapsed : best;
        }

        return best;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
