using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Kcm.Benchmarks.Onnx;

/// <summary>
/// A long-lived `node bench/node/onnx_worker.mjs` process running the same model on onnxruntime-node; it times its own
/// loop of session.run calls so process start-up and the pipe are not counted.
/// </summary>
internal sealed class NodeReferenceWorker : IDisposable
{
    private const string PackageFolder = "onnxruntime-node";
    private readonly Process _process;

    private NodeReferenceWorker(Process process)
    {
        _process = process;
    }

    /// <summary>Installs bench/node's dependencies when missing (the install script is skipped: it would fetch GPU binaries).</summary>
    public static void EnsureInstalled(string nodeFolder)
    {
        if (Directory.Exists(Path.Combine(nodeFolder, "node_modules", PackageFolder)))
        {
            return;
        }

        Console.WriteLine($"installing onnxruntime-node into {nodeFolder} (npm ci, ONNXRUNTIME_NODE_INSTALL=skip)");
        var install = new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = nodeFolder };
        install.Environment["ONNXRUNTIME_NODE_INSTALL"] = "skip";
        using var process = Process.Start(install) ?? throw new InvalidOperationException("could not start npm");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed in {nodeFolder} (exit code {process.ExitCode}); is Node.js with npm installed?");
        }
    }

    /// <summary>The native library the Node package loads.</summary>
    public static string LibraryPath(string nodeFolder) =>
        Path.Combine(nodeFolder, "node_modules", PackageFolder, "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1");

    public static NodeReferenceWorker Start(string nodeFolder, string modelPath, int intraOpThreads, int interOpThreads, IReadOnlyList<long> sampleShape)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = nodeFolder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["onnx_worker.mjs", "--model", modelPath,
                     "--intra", intraOpThreads.ToString(CultureInfo.InvariantCulture),
                     "--inter", interOpThreads.ToString(CultureInfo.InvariantCulture),
                     "--sample-shape", string.Join(',', sampleShape)])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var worker = new NodeReferenceWorker(process);
        var ready = process.StandardOutput.ReadLine();
        if (ready is null || !ready.Contains("\"ready\":true", StringComparison.Ordinal))
        {
            worker.Dispose();
            throw new InvalidOperationException($"the Node reference worker did not start (first line: {ready ?? "<none>"})");
        }

        return worker;
    }

    /// <summary>Runs <paramref name="iterations"/> batches in Node; returns its measured seconds and the sum of the last output.</summary>
    public (double Seconds, double Checksum) Measure(int batch, int iterations)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"batch\":{batch},\"iterations\":{iterations}}}"));
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the Node reference worker exited");
        using var reply = JsonDocument.Parse(line);
        return (reply.RootElement.GetProperty("seconds").GetDouble(), reply.RootElement.GetProperty("checksum").GetDouble());
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
