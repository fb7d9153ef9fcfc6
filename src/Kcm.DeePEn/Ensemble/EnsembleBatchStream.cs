using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Models;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// One prompt's state inside an <see cref="EnsembleBatch"/>: the main model's tokens, cache and latest logits, one
/// text-synced decoder per assistant, its own fusion buffers, and what it has generated so far.
/// </summary>
internal sealed class EnsembleBatchStream
{
    public EnsembleBatchStream(string prompt, int[] promptTokens, IReadOnlyList<EnsembleMember> members, int mainModel, DeePEnFusion? fusion)
    {
        Prompt = prompt;
        MainTokens = [.. promptTokens];
        MainCache = members[mainModel].Model.CreateCache();
        Assistants = new TextSyncedDecoder?[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            Assistants[i] = i == mainModel || fusion is null ? null : new TextSyncedDecoder(members[i]);
        }

        Fusion = fusion;
        Pending = promptTokens.Select(t => (long)t).ToArray();
    }

    public string Prompt { get; }

    public List<int> MainTokens { get; }

    public KeyValueCache MainCache { get; }

    /// <summary>Per member: the assistant's synced decoder (null for the main model, and for every member in mode "main").</summary>
    public TextSyncedDecoder?[] Assistants { get; }

    public DeePEnFusion? Fusion { get; }

    /// <summary>The main-model tokens to run at the next main-model call (the prompt, then each chosen token).</summary>
    public long[] Pending { get; set; }

    /// <summary>The main model's next-token logits after <see cref="MainTokens"/>.</summary>
    public float[] MainLogits { get; set; } = [];

    /// <summary>Whether this step fuses (set per step before the assistants are synced).</summary>
    public bool FusesThisStep { get; set; }

    public List<int> Generated { get; } = [];

    public int StepsChangedByFusion { get; set; }

    public bool Finished { get; set; }
}
