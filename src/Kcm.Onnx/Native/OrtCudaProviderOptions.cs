using System.Runtime.InteropServices;

namespace Kcm.Onnx.Native;

/// <summary>
/// OrtCUDAProviderOptions as passed to SessionOptionsAppendExecutionProvider_CUDA. Later releases appended
/// fields (tunable-op settings); the trailing zeroed reserve keeps a newer library from reading past the struct.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct OrtCudaProviderOptions
{
    public int DeviceId;
    public int CudnnConvAlgoSearch;
    public nuint GpuMemoryLimit;
    public int ArenaExtendStrategy;
    public int DoCopyInDefaultStream;
    public int HasUserComputeStream;
    public nint UserComputeStream;
    public nint DefaultMemoryArenaConfig;
    public fixed long Reserved[16];
}
