using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;
using Kcm.Evaluation;
using Kcm.Models.Graphs;

namespace Kcm.Benchmarks.Judge;

/// <summary>
/// `./kcm bench judge`: judge + small model inference per sample on ONE thread at batch 1 and 256 (target under
/// 20 us/sample at 256), one epoch of KAN judge training over the 60,000 Fashion-MNIST training images, and one
/// distillation round on 10,000 teacher records (target under 10 s); and the same judge and small model run as ONNX
/// graphs with their weights bound (<see cref="GraphClassifier"/>, one intra-op thread) beside the C# path.
/// </summary>
public static class JudgeBenchmark
{
    private const double InferenceTargetMicroseconds = 20.0;
    private const double DistillationTargetSeconds = 10.0;

    public static Command Create()
    {
        var threads = new Option<int>("--threads")
        {
            Description = "Threads for training and distillation (inference always runs on one).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "Measuring time per inference batch size.",
            DefaultValueFactory = _ => 3.0,
        };
        var command = new Command("judge", "KAN judge + MLP small model: inference latency, judge training epoch, distillation round.")
        {
            threads,
            seconds,
        };
        command.SetAction(parse => Run(parse.GetValue(threads), parse.GetValue(seconds)));
        return command;
    }

    private static int Run(int threads, double seconds)
    {
        if (threads < 1 || !(seconds > 0))
        {
            Console.Error.WriteLine("--threads must be at least 1 and --seconds positive.");
            return 2;
        }

        if (!FashionMnist.IsInstalled())
        {
            Console.Error.WriteLine($"Fashion-MNIST is missing under {FashionMnist.DefaultFolder}: run ./kcm setup.");
            return 1;
        }

        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        Console.WriteLine(Invariant($"judge: {KanNetwork.DefaultJudge.Architecture} ({KanNetwork.DefaultJudge.ParameterCount:N0} parameters)"));
        Console.WriteLine(Invariant($"small: {MlpNetwork.DefaultSmallModel.Architecture} ({MlpNetwork.DefaultSmallModel.ParameterCount:N0} parameters)"));
        Console.WriteLine(Invariant($"cores: {Environment.ProcessorCount}, training threads: {threads}"));

        var oneEpoch = new TrainingOptions { Epochs = 1, BatchSize = 128, LearningRate = 0.005f, Seed = 1, Threads = threads, ValidationFraction = 0 };
        var judge = new ClassifierTrainer(oneEpoch).Train(KanClassifier.CreateRandom(KanNetwork.DefaultJudge, seed: 1), train);
        Console.WriteLine(Invariant(
            $"KAN judge training, 1 epoch of {train.Count:N0} images: {judge.Elapsed.TotalSeconds:F2} s; test accuracy {judge.Classifier.Accuracy(test, threads):P2}"));

        var small = new ClassifierTrainer(oneEpoch with { LearningRate = 0.002f })
            .Train(MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, seed: 1), train);
        Console.WriteLine(Invariant(
            $"small model training, 1 epoch of {train.Count:N0} images: {small.Elapsed.TotalSeconds:F2} s; test accuracy {small.Classifier.Accuracy(test, threads):P2}"));

        foreach (var batch in (ReadOnlySpan<int>)[1, 256])
        {
            var (perSample, cpuPerSample, judgeOnly, bytes) = MeasureInference(judge.Classifier, small.Classifier, test, batch, seconds);
            var verdict = batch == 256 ? (cpuPerSample < InferenceTargetMicroseconds ? " (target < 20 us: met)" : " (target < 20 us: MISSED)") : string.Empty;
            Console.WriteLine(Invariant(
                $"inference, batch {batch,3}, 1 thread: judge + small {perSample:F2} us/sample wall, {cpuPerSample:F2} us/sample CPU (judge alone {judgeOnly:F2} wall); allocated {bytes} B in the timed loop{verdict}"));
        }

        using var judgeGraph = new GraphClassifier(judge.Classifier);
        using var smallGraph = new GraphClassifier(small.Classifier);
        // The serving paths (Kcm:Inference csharp or onnx, CPU provider) side by side at the judge grain's batch sizes.
        foreach (var batch in (ReadOnlySpan<int>)[1, 32, 256])
        {
            var csharp = MeasureInference(judge.Classifier, small.Classifier, test, batch, seconds);
            var onnx = MeasureInference(judgeGraph, smallGraph, test, batch, seconds);
            Console.WriteLine(Invariant(
                $"C# against ONNX graphs, batch {batch,3}, 1 thread: judge + small {csharp.CpuPerSample:F2} against {onnx.CpuPerSample:F2} us/sample CPU, {csharp.CpuPerSample * batch:F1} against {onnx.CpuPerSample * batch:F1} us/batch (ONNX/C# {onnx.CpuPerSample / csharp.CpuPerSample:F2}x); judge alone {csharp.JudgeOnly:F2} against {onnx.JudgeOnly:F2} us/sample wall; ONNX allocated {onnx.Bytes} B in the timed loop"));
        }

        var result = DistillOnce(judge.Classifier, small.Classifier, train, test, threads);
        var distillVerdict = result.Elapsed.TotalSeconds < DistillationTargetSeconds ? "met" : "MISSED";
        Console.WriteLine(Invariant(
            $"distillation round, {result.RecordsUsed:N0} records (teacher {result.RecordsUsedTeacher:N0}, judge {result.RecordsUsedJudge:N0}, label {result.RecordsUsedLabel:N0}): {result.Elapsed.TotalSeconds:F2} s (target < 10 s: {distillVerdict}); {result.Reason}"));
        return 0;
    }

    // Microseconds per sample (wall and CPU) for judge + small, for the judge alone, and bytes allocated while timing.
    private static (double PerSample, double CpuPerSample, double JudgeOnly, long Bytes) MeasureInference(
        IClassifier judge, IClassifier small, Dataset data, int batch, double seconds)
    {
        var judgeLogits = new float[batch * judge.ClassCount];
        var smallLogits = new float[batch * small.ClassCount];
        var rows = data.Count / batch;

        // Warm-up, so tiered compilation has settled before timing.
        for (var i = 0; i < Math.Max(2, 2000 / batch); i++)
        {
            var input = data.Features.AsSpan((i % rows) * batch * data.FeatureCount, batch * data.FeatureCount);
            judge.Logits(input, batch, judgeLogits);
            small.Logits(input, batch, smallLogits);
        }

        var both = Time(seconds / 2, rows, batch, data, (input, n) =>
        {
            judge.Logits(input, n, judgeLogits);
            small.Logits(input, n, smallLogits);
        });
        var judgeOnly = Time(seconds / 2, rows, batch, data, (input, n) => judge.Logits(input, n, judgeLogits));
        return (both.PerSample, both.CpuPerSample, judgeOnly.PerSample, both.Bytes);
    }

    // Wall time per sample, and process CPU time per sample: on a shared machine the CPU figure is the one that
    // does not grow with other processes' load (the loop is single-threaded, so CPU time is this thread's).
    private static (double PerSample, double CpuPerSample, long Bytes) Time(double seconds, int rows, int batch, Dataset data, InferenceCall call)
    {
        var samples = 0L;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
        var index = 0;
        while (stopwatch.Elapsed.TotalSeconds < seconds)
        {
            call(data.Features.AsSpan(index * batch * data.FeatureCount, batch * data.FeatureCount), batch);
            samples += batch;
            index = (index + 1) % rows;
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
        var elapsed = stopwatch.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return (elapsed.TotalMicroseconds / samples, cpu.TotalMicroseconds / samples, bytes);
    }

    private static DistillationResult DistillOnce(KanClassifier judge, MlpClassifier small, Dataset train, Dataset test, int threads)
    {
        // 10,000 records from the last training images: a confident and correct stand-in teacher (the large model is
        // an ONNX CNN served elsewhere), the real judge's probabilities, and labels, so every record carries signal.
        const int Records = 10_000;
        var source = train.Slice(train.Count - Records, Records);
        var judgeProbabilities = new float[Records * 10];
        judge.Probabilities(source.Features, Records, judgeProbabilities);
        var records = new List<TeacherRecord>(Records);
        for (var i = 0; i < Records; i++)
        {
            var teacher = new float[10];
            Array.Fill(teacher, 0.001f);
            teacher[source.Labels[i]] = 0.991f;
            records.Add(new TeacherRecord(source.Row(i).ToArray(), teacher, judgeProbabilities.AsSpan(i * 10, 10).ToArray(), source.Labels[i]));
        }

        var distiller = new SmallModelDistiller(new DistillationOptions { Threads = threads });
        return distiller.Distill(small, records, test.Slice(0, 5_000));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private delegate void InferenceCall(ReadOnlySpan<float> input, int batchSize);
}
