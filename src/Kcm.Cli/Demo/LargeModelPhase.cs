using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Evaluation;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>Phase 1: the shipped large model on the whole test set through <see cref="OnnxClassifier"/> (ONNX Runtime), with a progress bar.</summary>
internal static class LargeModelPhase
{
    private const int BatchSize = 256;

    public static async Task<LargeModelCheck> RunAsync(string modelPath, Dataset test, bool hasCard = true)
    {
        var card = hasCard ? ModelCard.ReadFor(modelPath) : null;
        using var model = OnnxClassifier.Load(modelPath, new OnnxSessionOptions { IntraOpThreads = 2 });
        var logits = new float[BatchSize * test.ClassCount];
        var correct = 0;
        var stopwatch = Stopwatch.StartNew();
        await AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("large model (ONNX) on the test set", maxValue: test.Count);
                for (var first = 0; first < test.Count; first += BatchSize)
                {
                    var count = Math.Min(BatchSize, test.Count - first);
                    // Each batch runs off the render thread so the bar keeps moving.
                    correct += await Task.Run(() => ScoreBatch(model, test, first, count, logits)).ConfigureAwait(false);
                    task.Value = first + count;
                    task.Description = $"large model (ONNX) on the test set: {task.Value / stopwatch.Elapsed.TotalSeconds:N0} images/s";
                }
            }).ConfigureAwait(false);

        var seconds = stopwatch.Elapsed.TotalSeconds;
        var measured = (double)correct / test.Count;
        // The card counts argmax ties within a tiny margin separately: those may flip with a different runtime build.
        // A user's model has no card: measured only (it "matches" nothing and nothing can mismatch).
        var matches = card is null
            || (card.TestCorrect is { } cardCorrect && test.Count == 10_000
                ? Math.Abs(correct - cardCorrect) <= card.NearTies
                : Math.Abs(measured - card.TestAccuracy) <= 0.0001 + (double)card.NearTies / test.Count);
        return new LargeModelCheck(
            modelPath, OrtEnv.Instance().GetVersionString(), test.Count, correct, measured, card?.TestAccuracy ?? measured, card?.TestCorrect, matches, test.Count / seconds);
    }

    private static int ScoreBatch(OnnxClassifier model, Dataset test, int first, int count, float[] logits)
    {
        var classes = test.ClassCount;
        model.Logits(test.Features.AsSpan(first * test.FeatureCount, count * test.FeatureCount), count, logits.AsSpan(0, count * classes));
        var correct = 0;
        for (var i = 0; i < count; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            var best = 0;
            for (var k = 1; k < classes; k++)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }

            if (best == test.Labels[first + i])
            {
                correct++;
            }
        }

        return correct;
    }
}
