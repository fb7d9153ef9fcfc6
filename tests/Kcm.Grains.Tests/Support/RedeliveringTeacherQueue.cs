using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;

namespace Kcm.Grains.Tests.Support;

/// <summary>
/// A teacher queue whose next acknowledgement, once armed, fails the way a crash between the distillation grain's state
/// write and its acknowledgement does: nothing is removed, and the records are handed over again (as a shared queue's
/// lease ending would hand them over).
/// </summary>
public sealed class RedeliveringTeacherQueue(ITeacherQueue inner) : ITeacherQueue
{
    private int _armed;

    /// <summary>Acknowledgements that failed on purpose.</summary>
    public int Crashes { get; private set; }

    public int Count => inner.Count;

    /// <summary>Makes the next acknowledgement fail and hand its records over again.</summary>
    public void CrashNextAcknowledge() => Interlocked.Exchange(ref _armed, 1);

    public bool TryEnqueue(Guid recordId, TeacherRecord record) => inner.TryEnqueue(recordId, record);

    public ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken) => inner.TakeAsync(maxCount, cancellationToken);

    public async ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Crashes++;
            await inner.ReturnAsync(delivery, cancellationToken);
            throw new IOException("Injected crash before the acknowledgement.");
        }

        await inner.AcknowledgeAsync(delivery, cancellationToken);
    }

    public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken) => inner.ReturnAsync(delivery, cancellationToken);
}
