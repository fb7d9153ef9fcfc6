using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;
using Kcm.Testing;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>Generation over HTTP with server-sent events, against a real silo decoding the real State of the Union models.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class GenerateStreamTests(EnsembleSilo ensemble)
{
    private const string Prompt = "The state of our union is";

    [Theory]
    [InlineData(GenerationModes.Main)]
    [InlineData(GenerationModes.Avg)]
    [InlineData(GenerationModes.Sparse)]
    [InlineData(GenerationModes.Gated)]
    public async Task Stream_EachMode_GivesTheInProcessTokensAndTheirTextConcatenatesToTheDoneText(string mode)
    {
        const int maxTokens = 12;
        Assert.True(EnsembleModes.TryParse(mode, out var parsed));
        var steps = ensemble.Reference.CreateDecoder(parsed).Decode(Prompt, maxTokens).ToList();
        var generated = ensemble.Reference.CreateDecoder(parsed).Generate(Prompt, maxTokens);

        var stream = await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, new GenerateRequest(Prompt, maxTokens, Mode: mode));

        Assert.Equal(generated.Tokens, stream.TokenIds);
        Assert.Equal(string.Concat(steps.Select(s => s.Text)), stream.Text);
        Assert.Equal(stream.Text, stream.Done.Text);
        Assert.Equal(generated.Text.Trim(), stream.Done.Text.Trim());
        Assert.Equal(Enumerable.Range(0, stream.Tokens.Count), stream.Tokens.Select(t => t.Index));
        Assert.Equal(stream.Tokens.Count, stream.Done.Tokens);
        Assert.Equal(steps.Count(s => s.Fused), stream.Done.FusedSteps);
        Assert.Equal(steps.Select(s => s.Fused), stream.Tokens.Select(t => t.Fused));
        Assert.Equal(mode, stream.Done.Mode);
        Assert.Equal(EnsembleSilo.Model, stream.Done.Model);
        Assert.Equal(steps[^1].IsSpecial ? FinishReasons.EndOfText : FinishReasons.Length, stream.Done.FinishReason);
        Assert.True(stream.Done.TokensPerSecond > 0);
        Assert.InRange(stream.Done.FusedStepShare, 0, 1);
        Assert.All(stream.Tokens, t => Assert.Equal(t.MainMs + t.AssistantsMs + t.FusionMs, t.StepMs, 6));
        if (mode == GenerationModes.Main)
        {
            Assert.All(stream.Tokens, t => Assert.False(t.Fused || t.ChangedByFusion || t.AssistantsMs > 0));
        }

        if (mode is GenerationModes.Avg or GenerationModes.Sparse)
        {
            Assert.All(stream.Tokens, t => Assert.True(t.Fused && t.AssistantsMs > 0, $"token {t.Index} was not fused"));
        }
    }

    [Fact]
    public async Task Stream_OnTheWire_IsTokenEventsThenDoneEachFlushedAsOneDataLine()
    {
        using var content = new StringContent("""{"prompt":"We the people","max_tokens":5,"mode":"main"}""", Encoding.UTF8, KcmMediaTypes.Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, KcmRoutes.GeneratePath(EnsembleSilo.Model)) { Content = content };
        using var response = await ensemble.Silo.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(KcmMediaTypes.EventStream, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, events.Length);
        for (var i = 0; i < events.Length; i++)
        {
            var lines = events[i].Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.Equal(i < 5 ? "event: token" : "event: done", lines[0]);
            Assert.StartsWith("data: {", lines[1], StringComparison.Ordinal);
        }

        Assert.Contains("\"finish_reason\":\"length\"", events[^1], StringComparison.Ordinal);
        Assert.Contains("\"token_id\":", events[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_StopStringSpanningTwoTokens_EndsBeforeItAndNeverSendsIt()
    {
        var full = await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, new GenerateRequest(Prompt, 24, Mode: GenerationModes.Main));
        // A stop string made of the last character of one token's text and the first of the next one's.
        var boundary = 0;
        var split = -1;
        for (var i = 0; i + 1 < full.Tokens.Count && split < 0; i++)
        {
            boundary += full.Tokens[i].Text.Length;
            if (full.Tokens[i].Text.Length > 0 && full.Tokens[i + 1].Text.Length > 0 && boundary >= 2)
            {
                split = boundary;
            }
        }

        Assert.True(split > 0, "the generated text should have two neighbouring non-empty tokens: " + full.Text);
        var stop = full.Text.Substring(split - 1, 2);
        var expected = full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)];

        var cut = await GenerationStreams.ReadAsync(
            ensemble.Client, EnsembleSilo.Model, new GenerateRequest(Prompt, 24, ["\u0001never appears", stop], GenerationModes.Main));

        Assert.Equal(FinishReasons.Stop, cut.Done.FinishReason);
        Assert.Equal(expected, cut.Done.Text);
        Assert.Equal(expected, cut.Text);
        Assert.DoesNotContain(stop, cut.Text, StringComparison.Ordinal);
        Assert.Equal(full.TokenIds.Take(cut.Tokens.Count), cut.TokenIds);
    }

    [Fact]
    public async Task Stream_ConcurrentStreams_GiveTheSameTokensAsSequentialOnes()
    {
        GenerateRequest[] requests =
        [
            new("Our economy", 10, Mode: GenerationModes.Avg),
            new("The Congress shall", 10, Mode: GenerationModes.Gated),
            new("Tonight I ask", 10, Mode: GenerationModes.Sparse),
        ];
        var sequential = new List<GenerationStreams>();
        foreach (var request in requests)
        {
            sequential.Add(await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, request));
        }

        // Three at once on two slots: the third waits in the queue.
        var concurrent = await Task.WhenAll(requests.Select(r => GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, r)));

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(sequential[i].TokenIds, concurrent[i].TokenIds);
            Assert.Equal(sequential[i].Done.Text, concurrent[i].Done.Text);
        }
    }

    [Fact]
    public async Task Stream_ClientStopsReading_ServerStopsDecodingPromptly()
    {
        // Precondition: the ensemble does not end this text by itself within the first steps, so only the client stops it.
        Assert.DoesNotContain(ensemble.Reference.CreateDecoder(EnsembleMode.Avg).Decode("America", 10), step => step.IsSpecial);
        var grain = ensemble.Grain;
        var cancelledBefore = grain.CancelledGenerations;
        var completedBefore = grain.CompletedGenerations;
        using var cancel = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in ensemble.Client.GenerateStreamAsync(
                EnsembleSilo.Model, new GenerateRequest("America", GenerateRequest.MaxTokensLimit, Mode: GenerationModes.Avg), cancel.Token))
            {
                if (++received == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        var stopped = Stopwatch.StartNew();
        while (grain.ActiveGenerations > 0 && stopped.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, grain.ActiveGenerations);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(2), $"decoding went on for {stopped.Elapsed} after the client left");
        Assert.Equal(cancelledBefore + 1, grain.CancelledGenerations);
        Assert.Equal(completedBefore, grain.CompletedGenerations);
    }

    [Fact]
    public async Task Stream_EverySlotBusyAndQueueFull_Refuses503WithRetryAfterAtOnce()
    {
        // Slot holders started on the silo's own grain and never read: each decodes until its event buffer is full, then
        // waits, so it holds its slot for as long as the test needs (as long as it does not end by itself first).
        var hold = new GenerateRequest("Freedom", GenerateRequest.MaxTokensLimit, Mode: GenerationModes.Main);
        Assert.DoesNotContain(ensemble.Reference.CreateDecoder(EnsembleMode.Main).Decode(hold.Prompt, 40), step => step.IsSpecial);
        var grain = ensemble.Grain;
        var holders = new List<Kcm.Grains.Ensemble.GenerationStream>();
        using var cancelQueued = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < EnsembleSilo.MaxConcurrentGenerations; i++)
            {
                holders.Add(await grain.StartAsync(hold, CancellationToken.None));
            }

            var queued = ensemble.Client.GenerateAsync(EnsembleSilo.Model, hold, cancelQueued.Token);
            var waited = Stopwatch.StartNew();
            while (grain.QueuedGenerations < EnsembleSilo.MaxQueuedGenerations && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(5);
            }

            var refused = Stopwatch.StartNew();
            var problem = await Assert.ThrowsAsync<KcmProblemException>(() => ensemble.Client.GenerateAsync(EnsembleSilo.Model, hold));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.Status);
            Assert.Equal(ProblemCodes.Overloaded, problem.Code);
            Assert.True(problem.Retriable);
            Assert.NotNull(problem.RetryAfter);
            Assert.True(refused.Elapsed < TimeSpan.FromSeconds(2), $"the refusal took {refused.Elapsed}");
            Assert.Equal(EnsembleSilo.MaxConcurrentGenerations, grain.ActiveGenerations);
            Assert.False(queued.IsCompleted);
            await cancelQueued.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        }
        finally
        {
            foreach (var holder in holders)
            {
                await holder.DisposeAsync();
            }
        }

        var idle = Stopwatch.StartNew();
        while ((grain.ActiveGenerations > 0 || grain.QueuedGenerations > 0) && idle.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, grain.ActiveGenerations);
        Assert.Equal(0, grain.QueuedGenerations);
    }

    [Fact]
    public async Task Metrics_AfterAGeneration_CountItsTokensFusedStepsAndMemberTimes()
    {
        var before = await ensemble.Silo.Http.GetStringAsync(KcmRoutes.Metrics);
        var stream = await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, new GenerateRequest("Peace", 8, Mode: GenerationModes.Gated));
        var after = await ensemble.Silo.Http.GetStringAsync(KcmRoutes.Metrics);

        var series = $"{{mode=\"gated\",model=\"{EnsembleSilo.Model}\"}}";
        Assert.Equal(stream.Done.Tokens, Value(after, "kcm_generation_tokens_total" + series) - Value(before, "kcm_generation_tokens_total" + series));
        Assert.Equal(stream.Done.FusedSteps, Value(after, "kcm_generation_fused_steps_total" + series) - Value(before, "kcm_generation_fused_steps_total" + series));
        var main = $"kcm_generation_member_step_seconds_count{{member=\"sotu-sp2k\",model=\"{EnsembleSilo.Model}\"}}";
        Assert.Equal(stream.Done.Tokens, Value(after, main) - Value(before, main));
        var mainSeconds = main.Replace("_count{", "_sum{", StringComparison.Ordinal);
        Assert.Equal(stream.Tokens.Sum(t => t.MainMs) / 1000, Value(after, mainSeconds) - Value(before, mainSeconds), 4);
        var assistant = $"kcm_generation_member_step_seconds_count{{member=\"sotu-bl1k\",model=\"{EnsembleSilo.Model}\"}}";
        Assert.Equal(stream.Done.FusedSteps, Value(after, assistant) - Value(before, assistant));
        Assert.Equal(
            ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"],
            ExpositionText.Select(after, "kcm_generation_member_step_seconds_bucket", ("member", "sotu-sp2k"), ("model", EnsembleSilo.Model)).Select(s => s.Labels["le"]));
        Assert.Equal(
            ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120", "300", "+Inf"],
            ExpositionText.Select(after, "kcm_generation_duration_seconds_bucket", ("mode", "gated"), ("model", EnsembleSilo.Model)).Select(s => s.Labels["le"]));
    }

    private static double Value(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
