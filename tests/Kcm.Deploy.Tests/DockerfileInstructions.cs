using System.Text;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>A Dockerfile read as its instructions (keyword and arguments), with line continuations joined and comments dropped.</summary>
public sealed class DockerfileInstructions
{
    public DockerfileInstructions(string relativePath)
    {
        RelativePath = relativePath;
        var instructions = new List<(string, string)>();
        var current = new StringBuilder();
        foreach (var raw in File.ReadLines(RepositoryRoot.Combine(relativePath.Split('/'))))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            var continues = line.EndsWith('\\');
            current.Append(continues ? line[..^1] : line).Append(' ');
            if (!continues)
            {
                var text = current.ToString().Trim();
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add((text[..space].ToUpperInvariant(), text[(space + 1)..].Trim()));
                current.Clear();
            }
        }

        All = instructions;
    }

    public string RelativePath { get; }

    public IReadOnlyList<(string Keyword, string Arguments)> All { get; }

    public IEnumerable<string> Arguments(string keyword) => All.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    /// <summary>The instructions of the last stage (the image that ships).</summary>
    public IEnumerable<(string Keyword, string Arguments)> FinalStage => All.Skip(All.ToList().FindLastIndex(i => i.Keyword == "FROM"));

    /// <summary>Stage names declared with FROM ... AS name.</summary>
    public IEnumerable<string> StageNames => Arguments("FROM").Select(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(p => p.Length == 3 && p[1].Equals("AS", StringComparison.OrdinalIgnoreCase)).Select(p => p[2]);

    /// <summary>The default of <c>ARG name=value</c>, or null when the ARG has no default.</summary>
    public string? ArgDefault(string name) => Arguments("ARG").Select(a => a.Split('=', 2))
        .Where(p => p[0] == name).Select(p => p.Length == 2 ? p[1] : null).FirstOrDefault();

    public override string ToString() => RelativePath;
}
