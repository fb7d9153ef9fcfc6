using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;

namespace Kcm.Client;

/// <summary>
/// Model admin: serving versions, rollback, threshold, distillation, the large model's description. The calls that change
/// what is served carry <see cref="KcmClientOptions.AdminToken"/> and throw <see cref="KcmUnauthorizedException"/> without it.
/// </summary>
public sealed partial class KcmClient
{
    /// <summary>The version <paramref name="model"/> serves now, or null before its first publish. Retried on transient failures.</summary>
    public Task<ServingVersion?> GetServingVersionAsync(string model, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        return RunIdempotentAsync(
            static (registry, token) => registry.GetCurrentAsync().WaitAsync(token),
            _cluster.GetGrain<IModelRegistryGrain>(model), $"serving version of '{model}'", cancellationToken);
    }

    /// <summary>The serving versions <paramref name="model"/>'s registry keeps, oldest first. Retried on transient failures.</summary>
    public Task<ServingVersion[]> GetServingHistoryAsync(string model, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        return RunIdempotentAsync(
            static (registry, token) => registry.GetHistoryAsync().WaitAsync(token),
            _cluster.GetGrain<IModelRegistryGrain>(model), $"serving history of '{model}'", cancellationToken);
    }

    /// <summary>
    /// Serves again the kept version <paramref name="version"/> of <paramref name="model"/>, or by default the one before
    /// the current; returns the version now serving. Not retried. An unknown version throws <see cref="KcmRequestRejectedException"/>.
    /// </summary>
    public Task<ServingVersion> RollbackAsync(string model, int? version = null, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        if (version is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Serving versions are numbered from 1.");
        }

        return RunAdminOnceAsync(
            static call => call.registry.RollbackAsync(call.version), (registry: _cluster.GetGrain<IModelRegistryGrain>(model), version),
            $"rollback of '{model}'", cancellationToken);
    }

    /// <summary>Publishes <paramref name="model"/>'s current small model and judge with a new <paramref name="threshold"/> in (0, 1). Not retried.</summary>
    public Task<ServingVersion> SetThresholdAsync(string model, double threshold, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        if (!(threshold is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must lie strictly between 0 and 1.");
        }

        return RunAdminOnceAsync(
            static call => call.registry.SetThresholdAsync(call.threshold), (registry: _cluster.GetGrain<IModelRegistryGrain>(model), threshold),
            $"threshold of '{model}'", cancellationToken);
    }

    /// <summary>
    /// Runs a distillation round of <paramref name="model"/> now and returns what it did. Training takes minutes: the call
    /// has its interface's long response timeout, not <see cref="KcmClientOptions.ResponseTimeout"/>, and is not retried.
    /// </summary>
    public Task<DistillationRoundResult> RunDistillationRoundAsync(string model, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        return RunAdminOnceAsync(
            static distillation => distillation.RunRoundAsync(), _cluster.GetGrain<IDistillationGrain>(model), $"distillation round of '{model}'", cancellationToken);
    }

    /// <summary>The distillation rounds and teacher records of <paramref name="model"/> counted since its grain activated. Retried on transient failures.</summary>
    public Task<DistillationStatus> GetDistillationStatusAsync(string model, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        return RunIdempotentAsync(
            static (distillation, token) => distillation.GetStatusAsync().WaitAsync(token),
            _cluster.GetGrain<IDistillationGrain>(model), $"distillation status of '{model}'", cancellationToken);
    }

    /// <summary>What <paramref name="model"/>'s large model is: name, hint input, sizes. Retried on transient failures.</summary>
    public Task<LargeModelDescription> DescribeLargeModelAsync(string model, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        return RunIdempotentAsync(
            static (large, token) => large.DescribeAsync().WaitAsync(token),
            _cluster.GetGrain<ILargeModelGrain>(model), $"description of '{model}'s large model", cancellationToken);
    }
}
