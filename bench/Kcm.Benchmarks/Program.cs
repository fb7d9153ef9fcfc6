using System.CommandLine;

// Benchmarks that print figures; each subcommand is one small type in a folder per feature.
// Results go into docs/benchmarks.md together with the command that produced them.
var root = new RootCommand("KCM benchmarks: ./kcm bench <name>")
{
    Kcm.Benchmarks.Judge.JudgeBenchmark.Create(),
    Kcm.Benchmarks.Onnx.OnnxBenchmark.Create(),
    Kcm.Benchmarks.Serve.ServeBenchmark.Create(),
    Kcm.Benchmarks.Cluster.ClusterBenchmark.Create(),
    Kcm.Benchmarks.Ensemble.EnsembleBenchmark.Create(),
    Kcm.Benchmarks.Ensemble.EnsembleBatchBenchmark.Create(),
    Kcm.Benchmarks.Tokenizers.TokenizerBenchmark.Create(),
};
return await root.Parse(args).InvokeAsync();
