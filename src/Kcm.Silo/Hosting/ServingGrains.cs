using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Pipeline;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;

namespace Kcm.Silo.Hosting;

/// <summary>The grains of one served model once loaded, with the pipeline that routes between them.</summary>
public sealed class ServingGrains(
    InferencePipeline pipeline,
    JudgeGrain judge,
    SmallModelGrain small,
    LargeModelPoolGrain large,
    DistillationGrain distillation,
    InProcessTeacherQueue teachers,
    LocalDirectoryModelStore store) : IAsyncDisposable
{
    public InferencePipeline Pipeline { get; } = pipeline;

    public IJudgeGrain Judge { get; } = judge;

    public ISmallModelGrain Small { get; } = small;

    public ILargeModelPoolGrain Large { get; } = large;

    public IDistillationGrain Distillation { get; } = distillation;

    public ITeacherQueue Teachers { get; } = teachers;

    public LocalDirectoryModelStore Store { get; } = store;

    public async ValueTask DisposeAsync()
    {
        await distillation.DisposeAsync().ConfigureAwait(false);
        await large.DisposeAsync().ConfigureAwait(false);
    }
}
