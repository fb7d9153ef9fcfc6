using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Pipeline;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The grains of one served model once loaded, with the pipeline that routes between them. <paramref name="owned"/>
/// are stopped in order on dispose (the embedded mode: distillation, then the large pool; the cluster mode also its
/// consumers and the broker connection).
/// </summary>
public sealed class ServingGrains(
    InferencePipeline pipeline,
    IJudgeGrain judge,
    ISmallModelGrain small,
    ILargeModelPoolGrain large,
    IDistillationGrain distillation,
    ITeacherQueue teachers,
    LocalDirectoryModelStore store,
    IReadOnlyList<IAsyncDisposable> owned) : IAsyncDisposable
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
        foreach (var part in owned)
        {
            await part.DisposeAsync().ConfigureAwait(false);
        }
    }
}
