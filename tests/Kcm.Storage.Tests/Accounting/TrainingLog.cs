using System.Collections.Concurrent;

namespace Kcm.Storage.Tests.Accounting;

/// <summary>The numbers of the teacher records the distiller trained on, on every silo of a test, in order.</summary>
public sealed class TrainingLog
{
    private readonly ConcurrentQueue<int> _numbers = new();

    public IReadOnlyList<int> Numbers => [.. _numbers];

    public void Add(int number) => _numbers.Enqueue(number);
}
