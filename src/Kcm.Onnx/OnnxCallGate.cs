namespace Kcm.Onnx;

/// <summary>
/// Keeps a session, and what runs it, alive while calls are in flight. <see cref="Close"/> refuses new calls at once
/// (<see cref="ObjectDisposedException"/>) and the release runs when the last call has left, so a native session is
/// never freed under a running call (ONNX Runtime's own <c>InferenceSession.Dispose</c> does not wait).
/// </summary>
public sealed class OnnxCallGate
{
    private readonly Lock _lock = new();
    private readonly Action _release;
    private int _running;
    private bool _closed;
    private bool _released;

    /// <param name="release">Frees the native objects; runs once, on the thread that closes the gate or leaves it last.</param>
    public OnnxCallGate(Action release)
    {
        ArgumentNullException.ThrowIfNull(release);
        _release = release;
    }

    /// <summary>Starts a call; throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/> once closed.</summary>
    public void Enter(object owner)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            _running++;
        }
    }

    /// <summary>Ends a call started with <see cref="Enter"/>.</summary>
    public void Exit()
    {
        lock (_lock)
        {
            _running--;
            if (!_closed || _running > 0 || _released)
            {
                return;
            }

            _released = true;
        }

        _release();
    }

    /// <summary>Refuses new calls; releases now when none is running, else when the last one exits.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            if (_running > 0)
            {
                return;
            }

            _released = true;
        }

        _release();
    }
}
