using System.Runtime.InteropServices;
using Kcm.Onnx.Native;

namespace Kcm.Onnx;

/// <summary>
/// The loaded ONNX Runtime library and its one environment (OrtEnv) for this process, created on first use and
/// kept for the life of the process (ORT expects one environment per process; sessions share it).
/// </summary>
public sealed unsafe class OnnxRuntime
{
    private const int LoggingLevelWarning = 2;
    private const int AllocatorTypeDevice = 0;
    private const int MemTypeDefault = 0;

    private static readonly Lock Gate = new();
    private static OnnxRuntime? _shared;

    private OnnxRuntime(string libraryPath, OrtApi api, string version, OrtHandle environment, OrtHandle cpuMemoryInfo, nint defaultAllocator, IReadOnlyList<string> providers)
    {
        LibraryPath = libraryPath;
        Api = api;
        Version = version;
        Environment = environment;
        CpuMemoryInfo = cpuMemoryInfo;
        DefaultAllocator = defaultAllocator;
        AvailableProviders = providers;
    }

    /// <summary>Full path of the loaded libonnxruntime.</summary>
    public string LibraryPath { get; }

    /// <summary>The library's own version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>Execution providers compiled into the library, e.g. "CPUExecutionProvider".</summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    internal OrtApi Api { get; }

    internal OrtHandle Environment { get; }

    /// <summary>Describes caller-owned CPU buffers wrapped as tensors; immutable, shared by all sessions.</summary>
    internal OrtHandle CpuMemoryInfo { get; }

    /// <summary>ORT's default CPU allocator (owned by ORT, never freed), used for the strings ORT returns.</summary>
    internal nint DefaultAllocator { get; }

    /// <summary>
    /// The process's runtime, loading the library on first call. <paramref name="libraryPath"/> is an explicit path
    /// (null: search, see <see cref="OnnxRuntimeLibraryResolver"/>). Asking for a different library once one is loaded throws.
    /// </summary>
    public static OnnxRuntime Get(string? libraryPath = null)
    {
        lock (Gate)
        {
            if (_shared is not null && libraryPath is null)
            {
                return _shared;
            }

            var resolved = OnnxRuntimeLibraryResolver.FromEnvironment(libraryPath).Resolve();
            if (_shared is null)
            {
                _shared = Load(resolved);
            }
            else if (!string.Equals(_shared.LibraryPath, resolved, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"ONNX Runtime is already loaded from {_shared.LibraryPath}; this process cannot also load {resolved}.");
            }

            return _shared;
        }
    }

    private static OnnxRuntime Load(string path)
    {
        if (!NativeLibrary.TryLoad(path, out var library))
        {
            throw new OnnxRuntimeNotFoundException([path + ": exists but could not be loaded (wrong architecture or missing dependencies?)"], "load failed");
        }

        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBaseExport))
        {
            throw new OnnxRuntimeNotFoundException([path + ": loaded but exports no OrtGetApiBase (not an ONNX Runtime library)"], "load failed");
        }

        // OrtApiBase is { GetApi(uint version), GetVersionString() }.
        var apiBase = ((delegate* unmanaged[Cdecl]<nint*>)getApiBaseExport)();
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint>)apiBase[0];
        var getVersionString = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((nint)getVersionString()) ?? "unknown";
        var table = getApi(OrtApi.Version);
        if (table == 0)
        {
            throw new OnnxRuntimeNotFoundException([$"{path}: ONNX Runtime {version} does not offer C API version {OrtApi.Version}"], "too old");
        }

        var api = new OrtApi(table);
        nint env = 0;
        fixed (byte* logId = "kcm"u8)
        {
            api.Check(api.CreateEnv(LoggingLevelWarning, logId, &env), "CreateEnv");
        }

        var environment = new OrtHandle(env, api.ReleaseEnv);
        nint memoryInfo = 0;
        api.Check(api.CreateCpuMemoryInfo(AllocatorTypeDevice, MemTypeDefault, &memoryInfo), "CreateCpuMemoryInfo");
        var cpuMemoryInfo = new OrtHandle(memoryInfo, api.ReleaseMemoryInfo);
        nint allocator = 0;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        return new OnnxRuntime(path, api, version, environment, cpuMemoryInfo, allocator, ReadProviders(api));
    }

    private static IReadOnlyList<string> ReadProviders(OrtApi api)
    {
        byte** names = null;
        var count = 0;
        api.Check(api.GetAvailableProviders(&names, &count), "GetAvailableProviders");
        try
        {
            var providers = new string[count];
            for (var i = 0; i < count; i++)
            {
                providers[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
            }

            return Array.AsReadOnly(providers);
        }
        finally
        {
            api.Check(api.ReleaseAvailableProviders(names, count), "ReleaseAvailableProviders");
        }
    }
}
