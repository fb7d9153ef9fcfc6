using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly;
using Polly.Timeout;

namespace Kcm.Client;

/// <summary>
/// Typed calls to a KCM cluster through the Orleans client: classify, generate, model admin. Thread-safe; share one.
/// Idempotent calls (classify, reads) are retried on silo-unavailable, connection and timeout failures; admin calls
/// that change state are tried once. Failures surface as <see cref="KcmException"/>s.
/// </summary>
public sealed partial class KcmClient : IAsyncDisposable
{
    private readonly IClusterClient _cluster;
    private readonly KcmClientOptions _options;
    private readonly ResiliencePipeline _idempotent;
    private readonly IHost? _ownedHost;
    private readonly GatewayLossSignal? _gatewayLoss;

    /// <summary>A client over an Orleans client the caller runs (registered by <see cref="KcmClientServiceCollectionExtensions.AddKcmClient"/>, or the caller's own).</summary>
    public KcmClient(IClusterClient cluster, KcmClientOptions options)
        : this(cluster, options, ownedHost: null, TimeProvider.System)
    {
    }

    internal KcmClient(IClusterClient cluster, KcmClientOptions options, IHost? ownedHost, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _cluster = cluster;
        _options = options;
        _ownedHost = ownedHost;
        _idempotent = IdempotentCallPipeline.Create(options, timeProvider);
        // Present when this SDK configured the Orleans client (AddKcmClient, ConnectAsync).
        _gatewayLoss = cluster.ServiceProvider.GetService<GatewayLossSignal>();
    }

    /// <summary>The settings in force.</summary>
    public KcmClientOptions Options => _options;

    /// <summary>
    /// Connects a client of its own (no dependency injection needed) to the cluster <paramref name="options"/> name;
    /// disposing the client disconnects it. Throws <see cref="KcmUnavailableException"/> when no gateway answers, or none completes
    /// the connection within <see cref="KcmClientOptions.ConnectTimeout"/>.
    /// </summary>
    public static async Task<KcmClient> ConnectAsync(KcmClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddOrleansClient(client => KcmClientServiceCollectionExtensions.ConfigureOrleansClient(client, options));
        var host = builder.Build();
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(options.ConnectTimeout);
        try
        {
            // Bounded twice: Orleans' start may not watch the token while it waits for a gateway that never completes
            // the handshake (a TLS gateway meeting a plain client waits for a TLS hello that never comes).
            await host.StartAsync(connecting.Token).WaitAsync(connecting.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (TransientFailures.IsTransient(exception))
        {
            host.Dispose();
            throw new KcmUnavailableException($"Could not connect to the KCM cluster: {exception.Message}", status: null, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            await AbandonAsync(host).ConfigureAwait(false);
            throw new KcmUnavailableException(
                $"Could not connect to the KCM cluster within {options.ConnectTimeout.TotalSeconds:0.###} s: no gateway completed the connection. "
                + "A cluster with Orleans TLS admits only clients presenting a certificate its authority signed (KcmClientOptions.TlsCertificate), "
                + "and a TLS client cannot talk to a plain gateway; otherwise no gateway is listening at the configured endpoints.",
                status: null, exception);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new KcmClient(host.Services.GetRequiredService<IClusterClient>(), options, host, TimeProvider.System);
    }

    /// <summary>Stops a client host whose start did not finish, within a short bound: its connection attempts are abandoned.</summary>
    private static async Task AbandonAsync(IHost host)
    {
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await host.StopAsync(stopping.Token).WaitAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A start that never completed may refuse an orderly stop; the host is disposed either way.
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>Disconnects the client <see cref="ConnectAsync"/> made; a client over the caller's Orleans client leaves it running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownedHost is not null)
        {
            try
            {
                await _ownedHost.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                _ownedHost.Dispose();
            }
        }
    }

    /// <summary>
    /// Classifies <paramref name="rows"/> samples whose features lie row after row in <paramref name="features"/>.
    /// Returns the answer when every row was answered; otherwise throws <see cref="KcmOverloadedException"/>,
    /// <see cref="KcmUnavailableException"/> or <see cref="KcmInvalidInputException"/>. Retried on transient failures.
    /// </summary>
    /// <param name="model">The model's name (e.g. "fashion-mnist").</param>
    /// <param name="features">Rows x the model's input size, row-major, all finite. Not copied: leave it unchanged until the call ends.</param>
    /// <param name="rows">Samples in the batch, at least 1, dividing the length of <paramref name="features"/>.</param>
    /// <param name="returnProbabilities">Whether the answer carries every row's class probabilities.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the silo may still finish the batch).</param>
    public async Task<ClassifyResult> ClassifyAsync(
        string model, float[] features, int rows, bool returnProbabilities = false, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(model, nameof(model));
        ClientArguments.CheckBatch(features, rows);
        var judge = _cluster.GetGrain<IJudgeGrain>(model);
        var batch = new ClassifyBatch(features, rows, returnProbabilities);
        var result = await RunIdempotentAsync(
            static (call, token) => call.judge.ClassifyAsync(call.batch).WaitAsync(token), (judge, batch), $"classify on '{model}'", cancellationToken)
            .ConfigureAwait(false);
        return result.Status == ClassifyStatus.Completed ? result : throw ClassifyFailures.ToException(model, result);
    }

    /// <summary>Runs an idempotent call with the retry pipeline; maps what is left of its failures to <see cref="KcmException"/>s.</summary>
    private async Task<TResult> RunIdempotentAsync<TState, TResult>(
        Func<TState, CancellationToken, Task<TResult>> call, TState state, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await _idempotent.ExecuteAsync(
                static (arguments, token) => TryAsync(arguments.call, arguments.state, arguments.gatewayLoss, token),
                (call, state, gatewayLoss: _gatewayLoss), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new KcmUnavailableException(
                $"{what}: no answer within the retry budget of {_options.RetryBudget.TotalSeconds:0.###} s.", status: null, exception);
        }
        catch (Exception exception) when (TransientFailures.IsTransient(exception))
        {
            throw new KcmUnavailableException($"{what}: {exception.Message} (tried {_options.MaxAttempts} times).", status: null, exception);
        }
        catch (Exception exception) when (IsRejection(exception))
        {
            throw new KcmRequestRejectedException($"{what}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// One try of an idempotent call. It also ends when a gateway connection closes while it waits (the answer might
    /// never come: Orleans would wait for the response timeout), as a <see cref="GatewayLostException"/> the pipeline retries.
    /// </summary>
    private static async ValueTask<TResult> TryAsync<TState, TResult>(
        Func<TState, CancellationToken, Task<TResult>> call, TState state, GatewayLossSignal? gatewayLoss, CancellationToken cancellationToken)
    {
        if (gatewayLoss is null)
        {
            return await call(state, cancellationToken).ConfigureAwait(false);
        }

        var lost = gatewayLoss.Token;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
        try
        {
            return await call(state, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayLostException();
        }
    }

    /// <summary>
    /// Starts an admin call with <see cref="KcmClientOptions.AdminToken"/> in Orleans' <c>RequestContext</c> (read when
    /// the call's message is made, so it is removed again at once: no other call carries it) and runs it once.
    /// </summary>
    private Task<TResult> RunAdminOnceAsync<TState, TResult>(Func<TState, Task<TResult>> call, TState state, string what, CancellationToken cancellationToken)
    {
        Task<TResult> started;
        if (_options.AdminToken is { } token)
        {
            RequestContext.Set(AdminCredential.RequestContextKey, token);
            try
            {
                started = call(state);
            }
            finally
            {
                RequestContext.Remove(AdminCredential.RequestContextKey);
            }
        }
        else
        {
            started = call(state);
        }

        return RunOnceAsync(started, what, cancellationToken);
    }

    /// <summary>Runs a call that changes state once: after a lost answer the cluster may have acted, so it is not retried.</summary>
    private static async Task<TResult> RunOnceAsync<TResult>(Task<TResult> call, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AdminCallRefusedException exception)
        {
            throw new KcmUnauthorizedException($"{what}: {exception.Message}", exception);
        }
        catch (Exception exception) when (TransientFailures.IsTransient(exception))
        {
            throw new KcmUnavailableException($"{what}: {exception.Message} (not retried: the cluster may have acted).", status: null, exception);
        }
        catch (Exception exception) when (IsRejection(exception))
        {
            throw new KcmRequestRejectedException($"{what}: {exception.Message}", exception);
        }
    }

    /// <summary>What a grain throws when the request is wrong as it stands (arguments are checked here first, so these come from the cluster).</summary>
    private static bool IsRejection(Exception exception) =>
        exception is (ArgumentException or InvalidOperationException or KeyNotFoundException) and not ObjectDisposedException;
}
