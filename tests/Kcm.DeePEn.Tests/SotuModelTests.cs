using System.Security.Cryptography;
using System.Text.Json;
using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;

namespace Kcm.DeePEn.Tests;

public sealed class SotuModelTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void Card_Sha256OfEachFile_MatchesTheCommittedFile(string name)
    {
        using var card = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SotuModels.Folder(name), EnsembleMember.CardFile)));
        var files = card.RootElement.GetProperty("files");

        Assert.Equal(3, files.EnumerateObject().Count());
        foreach (var file in files.EnumerateObject())
        {
            var bytes = File.ReadAllBytes(Path.Combine(SotuModels.Folder(name), file.Name));
            Assert.Equal(file.Value.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(file.Value.GetProperty("bytes").GetInt64(), bytes.LongLength);
        }
    }

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void KeyValueCacheDecoding_OneTokenAtATime_EqualsFullSequenceLogits(string name)
    {
        using var member = SotuModels.Load(name);
        var passage = Passages.Split(SotuModels.Corpus.Test[0].Text, 400)[3];
        var tokens = member.Tokenizer.Encode(passage).Take(member.Context).Select(t => (long)t).ToArray();
        Assert.True(tokens.Length >= 40, $"the passage gives only {tokens.Length} tokens");
        var full = member.Model.Forward(tokens, member.Model.CreateCache());
        var vocabulary = member.Tokenizer.VocabularySize;
        Assert.Equal(tokens.Length * vocabulary, full.Length);

        var cache = member.Model.CreateCache();
        var worst = 0f;
        for (var position = 0; position < tokens.Length; position++)
        {
            var step = member.Model.Forward(tokens.AsSpan(position, 1), cache);
            for (var v = 0; v < vocabulary; v++)
            {
                worst = MathF.Max(worst, MathF.Abs(step[v] - full[(position * vocabulary) + v]));
            }
        }

        Assert.True(worst <= Tolerance, $"{name}: largest difference {worst}");
    }

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void Tokenizer_RoundTripsEveryHeldOutAddress(string name)
    {
        using var member = SotuModels.Load(name);
        var heldOut = SotuModels.Corpus.Development.Concat(SotuModels.Corpus.Test).ToList();
        Assert.Equal(10, heldOut.Count);

        foreach (var address in heldOut)
        {
            var ids = member.Tokenizer.Encode(address.Text);
            Assert.True(ids.Length > address.Text.Length / 8, $"{address.Year}: {ids.Length} tokens for {address.Text.Length} characters");
            Assert.Equal(address.Text, member.Tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void TextSyncedDecoder_IncrementalSync_EqualsFullRecomputationOnTheRetokenisedText()
    {
        using var member = SotuModels.Load("sotu-sp2k");
        var synced = new TextSyncedDecoder(member);
        var passage = Passages.Split(SotuModels.Corpus.Test[1].Text, 250)[5];

        // Prefixes that end inside words as well as at word ends, so the tokenisation of the tail changes.
        for (var end = 8; end <= passage.Length; end += 7)
        {
            var text = passage[..end];
            var logits = synced.NextTokenLogits(text);
            var tokens = member.Tokenizer.Encode(text).Select(t => (long)t).ToArray();
            var expected = member.Model.NextTokenLogits(tokens, member.Model.CreateCache());
            Assert.Equal(tokens.Select(t => (int)t), synced.Tokens);
            for (var v = 0; v < expected.Length; v++)
            {
                Assert.True(MathF.Abs(expected[v] - logits[v]) <= Tolerance, $"prefix {end}, token {v}: {logits[v]} vs {expected[v]}");
            }
        }

        var full = 0L;
        for (var end = 8; end <= passage.Length; end += 7)
        {
            full += member.Tokenizer.Encode(passage[..end]).Length;
        }

        Assert.True(synced.TokensRun * 3 < full, $"incremental sync ran {synced.TokensRun} tokens, full recomputation {full}");
    }

    /// <summary>
    /// The issue's "the inverse search lowers the KL at every step on a real example": DeePEn-Avg of the three SotU
    /// models on held-out text, at every position of a passage. Every search ends below where it started; at
    /// most positions each of the 5 steps lowers the KL, but not at all: near the optimum AdamW's fixed step of about
    /// lr per logit can overshoot on the last step (position 35 of this passage: 0.0189 -> 0.0212), as the
    /// reference's optimiser would.
    /// </summary>
    [Fact]
    public void InverseSearch_OnRealText_LowersTheKl_AtEveryStepOnMostPositions_AndOverallOnAll()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var space = RelativeSpace.Build(members);
            const int Main = 1;
            var fusion = new Fusion.DeePEnFusion(space.Relatives, Fusion.FusionWeights.Average(members.Count), Main);
            var decoder = new EnsembleDecoder(members, Main);
            var tokens = members[Main].Tokenizer.Encode(Passages.Split(SotuModels.Corpus.Test[0].Text, 200)[3]);
            decoder.Start(tokens.AsSpan(0, 2));
            var searched = 0;
            var monotone = 0;
            for (var t = 2; t < tokens.Length; t++)
            {
                fusion.Reset();
                for (var i = 0; i < members.Count; i++)
                {
                    fusion.AddLogits(i, decoder.Logits(i));
                }

                fusion.Search(decoder.Logits(Main));
                var losses = fusion.Losses.ToArray();
                Assert.True(losses[0] > 1e-4, $"position {t}: the fused target should differ from the main model's image (KL {losses[0]})");
                Assert.True(losses[^1] < losses[0], $"position {t}: the search ended at KL {losses[^1]} from {losses[0]} ({string.Join(", ", losses)})");
                var everyStep = true;
                for (var step = 1; step < losses.Length; step++)
                {
                    everyStep &= losses[step] < losses[step - 1];
                }

                monotone += everyStep ? 1 : 0;
                searched++;
                if (t < tokens.Length - 1)
                {
                    decoder.Append(tokens[t]);
                }
            }

            Assert.True(searched >= 20, $"only {searched} positions");
            Assert.True(monotone >= 0.75 * searched, $"every step lowered the KL at only {monotone} of {searched} positions");
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void Ensemble_GreedyGeneration_ContinuesThePromptInTheMainVocabulary()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var space = RelativeSpace.Build(members);
            var ensemble = new DeePEnEnsemble(members, space, 1, Fusion.FusionWeights.Average(members.Count));

            var result = ensemble.Generate("The state of our Union is", 12);

            Assert.True(space.Anchors.Count > 100, $"only {space.Anchors.Count} anchors");
            Assert.InRange(result.Tokens.Count, 1, 12);
            Assert.Equal(members[1].Tokenizer.Decode(result.Tokens.ToArray(), skipSpecialTokens: true), result.Text);
            Assert.False(string.IsNullOrWhiteSpace(result.Text));
            Assert.InRange(result.StepsChangedByFusion, 0, result.Tokens.Count);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void EnsembleDecoder_AssistantsSyncOnlyWhenAsked_AndCatchUpToTheEagerLogits()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var tokens = members[1].Tokenizer.Encode("The state of our Union is strong, and our economy is growing.");
            var lazy = new EnsembleDecoder(members, 1);
            var eager = new EnsembleDecoder(members, 1);
            lazy.Start(tokens.AsSpan(0, 2));
            eager.Start(tokens.AsSpan(0, 2));
            eager.SyncAssistants();
            for (var t = 2; t < 8; t++)
            {
                lazy.Append(tokens[t]);
                eager.Append(tokens[t]);
                eager.SyncAssistants();
            }

            Assert.Equal(0, lazy.AssistantTokensRun);
            Assert.True(eager.AssistantTokensRun > 0);
            for (var i = 0; i < members.Count; i++)
            {
                var expected = eager.Logits(i).ToArray();
                var actual = lazy.Logits(i).ToArray();
                Assert.Equal(expected.Length, actual.Length);
                Assert.True(expected.Zip(actual).All(p => MathF.Abs(p.First - p.Second) <= Tolerance), $"member {i}: lazy logits differ");
            }

            Assert.True(lazy.AssistantTokensRun > 0);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void Evaluation_QuickRun_GivesFiguresInTheUnitInterval()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var options = new DeePEnEvaluationOptions { DevelopmentPositions = 30, TestPositions = 60 };
            var report = new DeePEnEvaluation(members, options).Run(SotuModels.Corpus);

            Assert.Equal(60, report.TestPositions);
            Assert.Equal(30, report.DevelopmentPositions);
            Assert.Contains(report.MainModel, SotuModels.Names);
            Assert.Equal(["main", "avg", "adapt", "sparse", "gated"], report.Modes.Keys);
            foreach (var mode in report.Modes.Values)
            {
                Assert.InRange(mode.Accuracy, 0, 1);
                Assert.InRange(mode.ChangedShare, 0, 1);
                Assert.InRange(mode.FusedStepShare, 0, 1);
                Assert.InRange(mode.AgreementWithAverage, 0, 1);
                Assert.True(mode.TokensPerSecond > 0, $"tokens per second {mode.TokensPerSecond}");
            }

            Assert.Equal(0, report.Modes["main"].FusedStepShare);
            Assert.Equal(0, report.Modes["main"].RelativeMatrixBytes);
            Assert.Equal(1, report.Modes["avg"].FusedStepShare);
            Assert.Equal(1, report.Modes["avg"].AgreementWithAverage);
            Assert.Equal(report.RelativeMatrixBytes, report.Modes["avg"].RelativeMatrixBytes);
            Assert.InRange(report.Modes["sparse"].RelativeMatrixBytes, 1, report.RelativeMatrixBytes / 10);
            Assert.True(report.Modes["main"].TokensPerSecond > report.Modes["avg"].TokensPerSecond, "fusing every step must cost time");
            var json = DeePEnReportJson.Serialize(report);
            foreach (var field in new[] { "\"next_token_accuracy\"", "\"tokens_per_second\"", "\"fused_step_share\"", "\"relative_matrix_bytes\"", "\"sparse\"", "\"gated\"" })
            {
                Assert.Contains(field, json, StringComparison.Ordinal);
            }

            Assert.Equal(0, report.Modes["main"].ChangedShare);
            Assert.Equal(1.0, report.Models.Sum(m => m.AdaptiveWeight), 4);
            foreach (var model in report.Models)
            {
                Assert.InRange(model.TestAccuracy, 0, 1);
                Assert.InRange(model.TestOwnAccuracy, 0, 1);
                Assert.InRange(model.TestBitsPerByte, 0.5, 8);
            }

            var main = report.Models.Single(m => m.Name == report.MainModel);
            Assert.Equal(report.Models.Min(m => m.DevelopmentBitsPerByte), main.DevelopmentBitsPerByte);
            Assert.Equal(main.TestAccuracy, report.Modes["main"].Accuracy);
            Assert.Contains("\"modes\"", DeePEnReportJson.Serialize(report), StringComparison.Ordinal);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }
}
