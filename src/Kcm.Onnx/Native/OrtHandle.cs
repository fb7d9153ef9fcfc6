using System.Runtime.InteropServices;

namespace Kcm.Onnx.Native;

/// <summary>Owns one native ORT object and releases it exactly once (on Dispose or, failing that, finalization).</summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged[Cdecl]<nint, void> _release;

    public OrtHandle(nint handle, delegate* unmanaged[Cdecl]<nint, void> release)
        : base(0, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}
