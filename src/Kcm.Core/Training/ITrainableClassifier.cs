using Kcm.Core.Models;

namespace Kcm.Core.Training;

/// <summary>An immutable classifier made of a <see cref="IDifferentiableNetwork"/> and its own copy of the parameters, so trainers can start from it.</summary>
public interface ITrainableClassifier : IExportableClassifier
{
    /// <summary>The architecture.</summary>
    IDifferentiableNetwork Network { get; }

    /// <summary>A read-only view of the parameters.</summary>
    ReadOnlySpan<float> Parameters { get; }

    /// <summary>A new classifier of the same architecture holding a copy of <paramref name="parameters"/>.</summary>
    ITrainableClassifier WithParameters(ReadOnlySpan<float> parameters);
}
