using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Kcm.Onnx;

namespace Kcm.Benchmarks.Onnx;

/// <summary>
/// `./kcm bench onnx`: images per second through the C# binding (the allocation-free single-tensor Run) next to
/// onnxruntime-node driving the same native library, same model, threads and iteration counts, measured in
/// alternating order (C#, Node, Node, C#, ...) so drift on a shared machine hits both. Target ratio C#/Node >= 0.95.
/// </summary>
public static class OnnxBenchmark
{
    private const double TargetRatio = 0.95;

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "ONNX model with one float input [N,...] and one float output (default models/fashion-cnn.onnx)." };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,32,256" };
        var threads = new Option<string>("--threads") { Description = "Comma-separated intra-op thread counts (inter-op is 1).", DefaultValueFactory = _ => "1,2" };
        var images = new Option<int>("--images") { Description = "Images per measurement (iterations = images / batch, at least 20).", DefaultValueFactory = _ => 4096 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per side; the median is reported.", DefaultValueFactory = _ => 6 };
        var command = new Command("onnx", "ONNX Runtime: C# binding vs onnxruntime-node on the same native library, images/s per batch size.")
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

        var root = FindRepositoryRoot();
        var modelPath = Path.GetFullPath(modelOption ?? Path.Combine(root, "models", "fashion-cnn.onnx"));
        if (!File.Exists(modelPath))
        {
            Console.Error.WriteLine($"model not found: {modelPath} (train it with tools/train_fashion_cnn.py or pass --model)");
            return 1;
        }

        var nodeFolder = Path.Combine(root, "bench", "node");
        NodeReferenceWorker.EnsureInstalled(nodeFolder);
        var runtime = OnnxRuntime.Get();
        var sameLibrary = Sha256(runtime.LibraryPath) == Sha256(NodeReferenceWorker.LibraryPath(nodeFolder));
        Console.WriteLine($"model: {modelPath}");
        Console.WriteLine($"ONNX Runtime {runtime.Version}: C# loads {runtime.LibraryPath}; Node loads {NodeReferenceWorker.LibraryPath(nodeFolder)} (identical file: {(sameLibrary ? "yes" : "NO")})");
        Console.WriteLine(Invariant($"{images} images per measurement, {rounds} measurements per side (median), alternating C#/Node order, {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine(Invariant($"{"intra",5} {"batch",6} {"iters",6} {"C# img/s",12} {"Node img/s",12} {"C#/Node",8}  outputs"));

        var worst = double.MaxValue;
        foreach (var intra in threadCounts)
        {
            var options = new OnnxSessionOptions { IntraOpThreads = intra, InterOpThreads = 1 };
            using var session = OnnxSession.Load(modelPath, options);
            var sampleShape = session.Inputs[0].Shape.Skip(1).ToArray();
            using var node = NodeReferenceWorker.Start(nodeFolder, modelPath, intra, 1, sampleShape);
            foreach (var batch in batches)
            {
                var iterations = Math.Max(20, images / batch);
                var input = new float[batch * session.SampleInputLength];
                for (var i = 0; i < input.Length; i++)
                {
                    // Same formula as bench/node/onnx_worker.mjs so both sides compute the same outputs.
                    input[i] = (i * 97 % 256) / 255f;
                }

                var output = new float[batch * session.SampleOutputLength];

                // Warm-up (not counted): first-run allocations and thread-pool spin-up on both sides.
                MeasureCSharp(session, input, batch, output, Math.Max(5, iterations / 10));
                node.Measure(batch, Math.Max(5, iterations / 10));

                var csharp = new double[rounds];
                var nodeRates = new double[rounds];
                var nodeChecksum = 0.0;
                for (var r = 0; r < rounds; r++)
                {
                    // ABBA order: C# first on even rounds, Node first on odd rounds.
                    if (r % 2 == 0)
                    {
                        csharp[r] = batch * iterations / MeasureCSharp(session, input, batch, output, iterations);
                    }

                    var (nodeSeconds, checksum) = node.Measure(batch, iterations);
                    nodeRates[r] = batch * iterations / nodeSeconds;
                    nodeChecksum = checksum;
                    if (r % 2 == 1)
                    {
                        csharp[r] = batch * iterations / MeasureCSharp(session, input, batch, output, iterations);
                    }
                }

                var csharpChecksum = output.Sum(v => (double)v);
                var agree = Math.Abs(csharpChecksum - nodeChecksum) <= 1e-3 * Math.Max(1.0, Math.Abs(nodeChecksum));
                var csharpMedian = Median(csharp);
                var nodeMedian = Median(nodeRates);
                var ratio = csharpMedian / nodeMedian;
                worst = Math.Min(worst, ratio);
                Console.WriteLine(Invariant($"{intra,5} {batch,6} {iterations,6} {csharpMedian,12:N0} {nodeMedian,12:N0} {ratio,8:F3}  {(agree ? "agree" : "DIFFER")}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Invariant($"lowest C#/Node ratio {worst:F3} (target >= {TargetRatio:F2}): {(worst >= TargetRatio ? "met" : "NOT met")}"));
        return 0;
    }

    private static double MeasureCSharp(OnnxSession session, float[] input, int batch, float[] output, int iterations)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            session.Run(input, batch, output);
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

    private static string Sha256(string path) => File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "missing";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
