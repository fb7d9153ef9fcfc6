using Azure.Storage.Queues;
using Kcm.Storage.Azure.Queue;

namespace Kcm.Storage.Azure;

/// <summary>
/// Where the cluster's teacher queue and model versions live (section <see cref="SectionName"/>): one storage
/// account, a queue and a blob container per model whose names derive from the model name unless given.
/// </summary>
public sealed class AzureStorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Kcm:AzureStorage";

    /// <summary>The storage account's connection string (Azurite's for local runs; from a Secret in Kubernetes).</summary>
    /// <value>Required.</value>
    public string? ConnectionString { get; set; }

    /// <summary>The teacher queue's name; null derives <c>kcm-teacher-{model}</c> (<see cref="AzureStorageNames.Queue"/>).</summary>
    public string? QueueName { get; set; }

    /// <summary>The model-version container's name; null derives <c>kcm-models-{model}</c> (<see cref="AzureStorageNames.Container"/>).</summary>
    public string? ContainerName { get; set; }

    /// <summary>The teacher queue's buffer, packing, lease and retry settings.</summary>
    public AzureTeacherQueueOptions TeacherQueue { get; set; } = new();

    /// <summary>The teacher queue of <paramref name="modelName"/>: <see cref="QueueName"/> or the derived name.</summary>
    public string QueueNameFor(string modelName) => QueueName ?? AzureStorageNames.Queue(modelName);

    /// <summary>The model-version container of <paramref name="modelName"/>: <see cref="ContainerName"/> or the derived name.</summary>
    public string ContainerNameFor(string modelName) => ContainerName ?? AzureStorageNames.Container(modelName);

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate(string modelName)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"{SectionName}:{nameof(ConnectionString)} must be set (a storage account's connection string, e.g. Azurite's).");
        }
        else
        {
            try
            {
                _ = new QueueServiceClient(ConnectionString);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                problems.Add($"{SectionName}:{nameof(ConnectionString)} is not a storage connection string ({e.Message}).");
            }
        }

        Name(nameof(QueueName), QueueNameFor(modelName), QueueName is null);
        Name(nameof(ContainerName), ContainerNameFor(modelName), ContainerName is null);
        problems.AddRange(TeacherQueue.Problems($"{SectionName}:{nameof(TeacherQueue)}:"));
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Azure Storage configuration: " + string.Join(" ", problems));
        }

        void Name(string field, string name, bool derived)
        {
            if (!AzureStorageNames.IsValid(name))
            {
                problems.Add(derived
                    ? $"{SectionName}:{field} derived from the model name '{modelName}' is '{name}', which Azure Storage refuses: set it."
                    : $"{SectionName}:{field} must be 3 to 63 lower-case letters, digits and single dashes, starting and ending with a letter or digit (was '{name}').");
            }
        }
    }
}
