using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kcm.Models.Large;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Benchmarks.Onnx;

/// <summary>
/// `./kcm bench onnx`: images per second through the silo's ONNX path (<see cref="OnnxLargeModel"/>, our thin layer as
/// the large-model pool calls it: spans in, spans out, nothing allocated per batch) next to a bare loop of the same
/// package (<see cref="BareSessionLoop"/>), same model, threads and iterations, measured in alternating order
/// (silo, bare, bare, silo, ...) so drift on a shared machine hits both. Target ratio silo/bare >= 0.97.
/// </summary>
public static class OnnxBenchmark
{
    private const double TargetRatio = 0.97;

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "ONNX model with one float input [N,...] and one float output (default models/fashion-cnn.onnx)." };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,32,256" };
        var threads = new Option<string>("--threads") { Description = "Comma-separated intra-op thread counts (inter-op is 1).", DefaultValueFactory = _ => "1,2" };
        var images = new Option<int>("--images") { Description = "Images per measurement (iterations = images / batch, at least 20; 16,384 by default because shorter runs on 2 threads moved the ratio by 5 %).", DefaultValueFactory = _ => 16384 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per side; the median is reported.", DefaultValueFactory = _ => 6 };
        var command = new Command("onnx", "ONNX Runtime: the silo's large-model path vs a bare InferenceSession loop of the same package, images/s per batch size.")
        {
            model, batches, threads, images, rounds,
        };
        command.SetAction(parse => Run(
            parse.GetValue(model), parse.GetValue(batches)!, parse.GetValue(threads)!, parse.GetValue(images), parse.GetValue(rounds)));
        return command;
    }

    private static int Run(string? modelOption, string batchList, string threadList, int images, int rounds)
    {
        if (!TryParseList(batchList, out var batches) || !TryParseList(threadList, out var threadCounts) || images < 1 || rounds < 1)
        {
            Console.Error.WriteLine("--batches and --threads take positive integers separated by commas; --images and --rounds must be positive.");
            return 2;
        }

        var modelPath = Path.GetFullPath(modelOption ?? Path.Combine(FindRepositoryRoot(), "models", "fashion-cnn.onnx"));
        if (!File.Exists(modelPath))
        {
            Console.Error.WriteLine($"model not found: {modelPath} (train it with tools/train_fashion_cnn.py or pass --model)");
            return 1;
        }

        Console.WriteLine($"model: {modelPath}");
        Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} ({string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}): both sides load the same package's library");
        Console.WriteLine(Invariant($"{images} images per measurement, {rounds} measurements per side (median), alternating silo/bare order, {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine(Invariant($"{"intra",5} {"batch",6} {"iters",6} {"silo img/s",12} {"bare img/s",12} {"silo/bare",9}  outputs"));

        var worst = double.MaxValue;
        foreach (var intra in threadCounts)
        {
            using var silo = new OnnxLargeModel(modelPath, new OnnxSessionOptions { IntraOpThreads = intra, InterOpThreads = 1 });
            using var bare = new BareSessionLoop(modelPath, intra);
            foreach (var batch in batches)
            {
                var iterations = Math.Max(20, images / batch);
                var input = new float[batch * silo.InputSize];
                for (var i = 0; i < input.Length; i++)
                {
                    input[i] = (i * 97 % 256) / 255f;
                }

                var siloOutput = new float[batch * silo.ClassCount];
                var bareOutput = new float[batch * bare.SampleOutputLength];

                // Warm-up (not counted): first-run allocations, bindings and thread-pool spin-up on both sides.
                MeasureSilo(silo, input, batch, siloOutput, Math.Max(5, iterations / 10));
                bare.Measure(input, batch, bareOutput, Math.Max(5, iterations / 10));

                var siloRates = new double[rounds];
                var bareRates = new double[rounds];
                for (var r = 0; r < rounds; r++)
                {
                    // ABBA order: silo first on even rounds, bare first on odd rounds.
                    if (r % 2 == 0)
                    {
                        siloRates[r] = batch * iterations / MeasureSilo(silo, input, batch, siloOutput, iterations);
                    }

                    bareRates[r] = batch * iterations / bare.Measure(input, batch, bareOutput, iterations);
                    if (r % 2 == 1)
                    {
                        siloRates[r] = batch * iterations / MeasureSilo(silo, input, batch, siloOutput, iterations);
                    }
                }

                var agree = siloOutput.AsSpan().SequenceEqual(bareOutput);
                var siloMedian = Median(siloRates);
                var bareMedian = Median(bareRates);
                var ratio = siloMedian / bareMedian;
                worst = Math.Min(worst, ratio);
                Console.WriteLine(Invariant($"{intra,5} {batch,6} {iterations,6} {siloMedian,12:N0} {bareMedian,12:N0} {ratio,9:F3}  {(agree ? "identical" : "DIFFER")}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"lowest silo/bare ratio {worst:F3} (target >= {TargetRatio:F2}): {(worst >= TargetRatio ? "met" : "NOT met")}"));
        return 0;
    }

    private static double MeasureSilo(OnnxLargeModel model, float[] input, int batch, float[] output, int iterations)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            model.Run(input, [], batch, output);
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static bool TryParseList(string text, out int[] values)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1)
            {
                return false;
            }
        }

        return values.Length > 0;
    }

    private static string FindRepositoryRoot()
    {
        if (Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } home)
        {
            return home;
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kcm.sln")))
            {
                return folder.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
