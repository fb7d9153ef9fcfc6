using System.Runtime.InteropServices;

namespace Kcm.Onnx.Native;

/// <summary>
/// The slice of ONNX Runtime's C function table (struct OrtApi in onnxruntime_c_api.h) this binding calls,
/// read once as unmanaged function pointers. The table only ever grows at the end, so slot numbers are stable
/// across releases; version 6 is the lowest that has every slot used here (the CUDA append in slot 152).
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>ORT_API_VERSION requested from GetApi: 4 added GetAvailableProviders, 6 SessionOptionsAppendExecutionProvider_CUDA.</summary>
    public const uint Version = 6;

    // Slot numbers in struct OrtApi (0-based). ReleaseCustomOpDomain is 101, the last of version 1.
    private const int GetErrorCodeSlot = 1;
    private const int GetErrorMessageSlot = 2;
    private const int CreateEnvSlot = 3;
    private const int CreateSessionSlot = 7;
    private const int CreateSessionFromArraySlot = 8;
    private const int RunSlot = 9;
    private const int CreateSessionOptionsSlot = 10;
    private const int SetSessionExecutionModeSlot = 13;
    private const int SetSessionGraphOptimizationLevelSlot = 23;
    private const int SetIntraOpNumThreadsSlot = 24;
    private const int SetInterOpNumThreadsSlot = 25;
    private const int SessionGetInputCountSlot = 30;
    private const int SessionGetOutputCountSlot = 31;
    private const int SessionGetInputTypeInfoSlot = 33;
    private const int SessionGetOutputTypeInfoSlot = 34;
    private const int SessionGetInputNameSlot = 36;
    private const int SessionGetOutputNameSlot = 37;
    private const int CreateTensorWithDataAsOrtValueSlot = 49;
    private const int GetTensorMutableDataSlot = 51;
    private const int CastTypeInfoToTensorInfoSlot = 55;
    private const int GetOnnxTypeFromTypeInfoSlot = 56;
    private const int GetTensorElementTypeSlot = 60;
    private const int GetDimensionsCountSlot = 61;
    private const int GetDimensionsSlot = 62;
    private const int GetSymbolicDimensionsSlot = 63;
    private const int GetTensorTypeAndShapeSlot = 65;
    private const int CreateCpuMemoryInfoSlot = 69;
    private const int AllocatorFreeSlot = 76;
    private const int GetAllocatorWithDefaultOptionsSlot = 78;
    private const int ReleaseEnvSlot = 92;
    private const int ReleaseStatusSlot = 93;
    private const int ReleaseMemoryInfoSlot = 94;
    private const int ReleaseSessionSlot = 95;
    private const int ReleaseValueSlot = 96;
    private const int ReleaseTypeInfoSlot = 98;
    private const int ReleaseTensorTypeAndShapeInfoSlot = 99;
    private const int ReleaseSessionOptionsSlot = 100;
    private const int GetAvailableProvidersSlot = 125;
    private const int ReleaseAvailableProvidersSlot = 126;
    private const int SessionOptionsAppendExecutionProviderCudaSlot = 152;

    public readonly delegate* unmanaged[Cdecl]<nint, int> GetErrorCode;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;
    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionExecutionMode;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetOnnxTypeFromTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> GetSymbolicDimensions;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;
    public readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders;
    public readonly delegate* unmanaged[Cdecl]<nint, OrtCudaProviderOptions*, nint> SessionOptionsAppendExecutionProviderCuda;

    public OrtApi(nint table)
    {
        var slots = (nint*)table;
        GetErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)slots[GetErrorCodeSlot];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, byte*>)slots[GetErrorMessageSlot];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)slots[CreateEnvSlot];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)slots[CreateSessionSlot];
        CreateSessionFromArray = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)slots[CreateSessionFromArraySlot];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)slots[RunSlot];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[CreateSessionOptionsSlot];
        SetSessionExecutionMode = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SetSessionExecutionModeSlot];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SetSessionGraphOptimizationLevelSlot];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SetIntraOpNumThreadsSlot];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)slots[SetInterOpNumThreadsSlot];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SessionGetInputCountSlot];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[SessionGetOutputCountSlot];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[SessionGetInputTypeInfoSlot];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)slots[SessionGetOutputTypeInfoSlot];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)slots[SessionGetInputNameSlot];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)slots[SessionGetOutputNameSlot];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)slots[CreateTensorWithDataAsOrtValueSlot];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)slots[GetTensorMutableDataSlot];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[CastTypeInfoToTensorInfoSlot];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[GetOnnxTypeFromTypeInfoSlot];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)slots[GetTensorElementTypeSlot];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)slots[GetDimensionsCountSlot];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)slots[GetDimensionsSlot];
        GetSymbolicDimensions = (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)slots[GetSymbolicDimensionsSlot];
        GetTensorTypeAndShape = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)slots[GetTensorTypeAndShapeSlot];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)slots[CreateCpuMemoryInfoSlot];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, void*, nint>)slots[AllocatorFreeSlot];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)slots[GetAllocatorWithDefaultOptionsSlot];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseEnvSlot];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseStatusSlot];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseMemoryInfoSlot];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseSessionSlot];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseValueSlot];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseTypeInfoSlot];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseTensorTypeAndShapeInfoSlot];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)slots[ReleaseSessionOptionsSlot];
        GetAvailableProviders = (delegate* unmanaged[Cdecl]<byte***, int*, nint>)slots[GetAvailableProvidersSlot];
        ReleaseAvailableProviders = (delegate* unmanaged[Cdecl]<byte**, int, nint>)slots[ReleaseAvailableProvidersSlot];
        SessionOptionsAppendExecutionProviderCuda = (delegate* unmanaged[Cdecl]<nint, OrtCudaProviderOptions*, nint>)slots[SessionOptionsAppendExecutionProviderCudaSlot];
    }

    /// <summary>Throws <see cref="OnnxRuntimeException"/> for a non-null status, releasing it either way.</summary>
    public void Check(nint status, string operation)
    {
        if (status != 0)
        {
            throw ToException(status, operation);
        }
    }

    /// <summary>Turns a non-null status into an exception carrying ORT's code and message, and releases the status.</summary>
    public OnnxRuntimeException ToException(nint status, string operation)
    {
        try
        {
            var code = (OnnxErrorCode)GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? string.Empty;
            return new OnnxRuntimeException(operation, code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }
}
