using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>The anchors shared by an ensemble's vocabularies and each member's relative representation over them.</summary>
public sealed class RelativeSpace
{
    private RelativeSpace(AnchorSet anchors, RelativeRepresentation[] relatives)
    {
        Anchors = anchors;
        Relatives = relatives;
    }

    public AnchorSet Anchors { get; }

    /// <summary>R_i per member, in the members' order.</summary>
    public IReadOnlyList<RelativeRepresentation> Relatives { get; }

    /// <summary>Bytes held by all relative matrices.</summary>
    public long Bytes => Relatives.Sum(r => r.Bytes);

    /// <summary>Each member's R kept to its top-m anchors per row (<see cref="SparseRelativeRepresentation.FromDense"/>).</summary>
    public SparseRelativeRepresentation[] Sparse(int anchorsPerRow = SparseRelativeRepresentation.DefaultAnchorsPerRow) =>
        [.. Relatives.Select(r => SparseRelativeRepresentation.FromDense(r, anchorsPerRow))];

    public static RelativeSpace Build(IReadOnlyList<EnsembleMember> members, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(members);
        var anchors = AnchorSet.Build([.. members.Select(m => m.Tokenizer)]);
        var relatives = new RelativeRepresentation[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            relatives[i] = RelativeRepresentation.Build(members[i].Embeddings, anchors.TokenIds[i], maxDegreeOfParallelism: maxDegreeOfParallelism);
        }

        return new RelativeSpace(anchors, relatives);
    }
}
