using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

public sealed class FusedPerplexityTests
{
    [Fact]
    public void Measure_AllWeightOnTheMainModel_EqualsThePerplexityWithoutFusion_AndAverageWeightsChangeIt()
    {
        var members = SotuModels.LoadAll();
        try
        {
            const int main = 1;
            var space = RelativeSpace.Build(members);
            var passages = Passages.Split(SotuModels.Corpus.Test[3].Text, 250).Skip(10).Take(4).ToList();
            var mainOnly = new DeePEnFusion(space.Relatives, [0f, 1f, 0f], main);
            var average = new DeePEnFusion(space.Relatives, FusionWeights.Average(members.Count), main);

            var same = FusedPerplexity.Measure(new EnsembleDecoder(members, main), mainOnly, passages, 150, "main");
            var fused = FusedPerplexity.Measure(new EnsembleDecoder(members, main), average, passages, 150, "avg");

            Assert.Equal(150, same.Positions);
            Assert.True(double.IsFinite(same.WithoutFusion) && same.WithoutFusion > 1, $"{same.WithoutFusion}");
            Assert.Equal(same.WithoutFusion, same.WithFusion, 1e-6 * same.WithoutFusion);
            Assert.Equal(same.WithoutFusion, fused.WithoutFusion, 1e-9 * same.WithoutFusion);
            Assert.True(Math.Abs(fused.WithFusion - fused.WithoutFusion) > 1e-3 * fused.WithoutFusion, $"avg fusion left the perplexity at {fused.WithFusion}");
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void Measure_WithoutFusion_MatchesTheFullSequencePerplexityOfThePassages()
    {
        var members = SotuModels.LoadAll();
        try
        {
            const int main = 1;
            var space = RelativeSpace.Build(members);
            var passages = Passages.Split(SotuModels.Corpus.Test[4].Text, 250).Skip(3).Take(3).ToList();
            var positions = passages.Sum(p => members[main].Tokenizer.Encode(p).Length - 1);

            var incremental = FusedPerplexity.Measure(new EnsembleDecoder(members, main), new DeePEnFusion(space.Relatives, FusionWeights.Average(3), main), passages, 10_000, "avg");
            var (full, bitsPerByte, _) = TokenPerplexity.Measure(members[main], passages);

            // The passages start with a whole word, so both score every token after the first.
            Assert.Equal(positions, incremental.Positions);
            Assert.Equal(full, incremental.WithoutFusion, 1e-4 * full);
            Assert.InRange(bitsPerByte, 0.5, 8);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }
}
