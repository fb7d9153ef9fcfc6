using System.Text.Json;
using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Models;
using Kcm.DeePEn.Tokenizers;
using Kcm.Onnx;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// One language model of an ensemble, loaded from a folder laid out as models/sotu-*: model.onnx (a
/// <see cref="CausalLanguageModel"/>), tokenizer.json, embeddings.safetensors (the input embedding matrix) and
/// card.json (its name, embedding tensor name and context length).
/// </summary>
public sealed class EnsembleMember : IDisposable
{
    public const string ModelFile = "model.onnx";
    public const string TokenizerFile = "tokenizer.json";
    public const string EmbeddingsFile = "embeddings.safetensors";
    public const string CardFile = "card.json";
    private const string DefaultEmbeddingTensor = "model.embed_tokens.weight";

    private EnsembleMember(string name, string folder, CausalLanguageModel model, BpeTokenizer tokenizer, EmbeddingMatrix embeddings, int context)
    {
        Name = name;
        Folder = folder;
        Model = model;
        Tokenizer = tokenizer;
        Embeddings = embeddings;
        Context = context;
    }

    public string Name { get; }

    public string Folder { get; }

    public CausalLanguageModel Model { get; }

    public BpeTokenizer Tokenizer { get; }

    public EmbeddingMatrix Embeddings { get; }

    /// <summary>The longest token sequence the model was built for (its learned positions).</summary>
    public int Context { get; }

    /// <summary>Loads every folder, in order; when one fails, those already loaded are disposed before the exception goes on.</summary>
    public static List<EnsembleMember> LoadAll(IEnumerable<string> folders, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var members = new List<EnsembleMember>();
        try
        {
            foreach (var folder in folders)
            {
                members.Add(Load(folder, options));
            }

            return members;
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            throw;
        }
    }

    /// <summary>Loads a model folder; a missing file is a <see cref="FileNotFoundException"/> naming it.</summary>
    public static EnsembleMember Load(string folder, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        foreach (var file in new[] { ModelFile, TokenizerFile, EmbeddingsFile, CardFile })
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The model folder {folder} has no {file}.", path);
            }
        }

        using var card = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, CardFile)));
        var root = card.RootElement;
        var name = root.TryGetProperty("name", out var n) && n.GetString() is { Length: > 0 } s ? s : Path.GetFileName(Path.GetFullPath(folder));
        var tensor = root.TryGetProperty("embedding_tensor", out var t) && t.GetString() is { Length: > 0 } e ? e : DefaultEmbeddingTensor;
        var context = root.TryGetProperty("architecture", out var a) && a.TryGetProperty("context", out var c) ? c.GetInt32() : int.MaxValue;

        var tokenizer = BpeTokenizer.Load(Path.Combine(folder, TokenizerFile));
        var embeddings = EmbeddingMatrix.ReadSafetensors(Path.Combine(folder, EmbeddingsFile), tensor);
        if (embeddings.Rows != tokenizer.VocabularySize)
        {
            throw new InvalidDataException($"{folder}: the embedding matrix has {embeddings.Rows} rows but the tokenizer {tokenizer.VocabularySize} tokens.");
        }

        var model = CausalLanguageModel.Load(Path.Combine(folder, ModelFile), options);
        return new EnsembleMember(name, folder, model, tokenizer, embeddings, context);
    }

    public void Dispose() => Model.Dispose();
}
