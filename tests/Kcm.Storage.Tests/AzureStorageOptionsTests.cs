using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Models.Storage;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Blobs;
using Kcm.Storage.Azure.Hosting;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kcm.Storage.Tests;

/// <summary>The Azure Storage settings and their registration (no Azurite needed: nothing here talks to storage).</summary>
public sealed class AzureStorageOptionsTests
{
    [Theory]
    [InlineData("fashion-mnist", "kcm-teacher-fashion-mnist", "kcm-models-fashion-mnist")]
    [InlineData("Fashion_MNIST v2!", "kcm-teacher-fashion-mnist-v2", "kcm-models-fashion-mnist-v2")]
    [InlineData("--", "kcm-teacher-model", "kcm-models-model")]
    public void Queue_and_container_names_derive_from_the_model_name(string model, string queue, string container)
    {
        Assert.Equal(queue, AzureStorageNames.Queue(model));
        Assert.Equal(container, AzureStorageNames.Container(model));
        Assert.True(AzureStorageNames.IsValid(queue));
        Assert.True(AzureStorageNames.IsValid(container));
    }

    [Fact]
    public void A_long_model_name_gives_a_valid_name_of_at_most_63_characters()
    {
        var name = AzureStorageNames.Queue(new string('a', 40) + "-" + new string('b', 40));

        Assert.True(name.Length <= 63);
        Assert.True(AzureStorageNames.IsValid(name));
    }

    [Fact]
    public void Validation_names_every_bad_field()
    {
        var options = new AzureStorageOptions
        {
            QueueName = "Bad_Name",
            ContainerName = "ab",
            TeacherQueue = new AzureTeacherQueueOptions { BufferCapacity = 0, MaxMessageBytes = 64 * 1024, LeaseSeconds = 0, SendConcurrency = 100 },
        };

        var error = Assert.Throws<ArgumentException>(() => options.Validate("fashion-mnist"));

        foreach (var field in new[] { "ConnectionString", "QueueName", "ContainerName", "TeacherQueue:BufferCapacity", "TeacherQueue:MaxMessageBytes", "TeacherQueue:LeaseSeconds", "TeacherQueue:SendConcurrency" })
        {
            Assert.Contains($"Kcm:AzureStorage:{field}", error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("LingerMilliseconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_string_that_does_not_parse_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureStorageOptions { ConnectionString = "not a connection string" }.Validate("m"));

        Assert.Contains("Kcm:AzureStorage:ConnectionString is not a storage connection string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddKcmAzureStorage_replaces_the_teacher_queue_and_model_store_registered_before_and_keeps_them_against_later_TryAdds()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kcm:ModelName"] = "fashion-test",
            ["Kcm:KeepVersions"] = "30",
            ["Kcm:AzureStorage:ConnectionString"] = "UseDevelopmentStorage=true",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<ITeacherQueue>(new NoQueue());
        services.TryAddSingleton<IModelStore>(new LocalDirectoryModelStore(Path.Combine(Path.GetTempPath(), $"kcm-{Guid.NewGuid():N}"), 3));

        services.AddKcmAzureStorage(configuration);
        services.TryAddSingleton<ITeacherQueue>(new NoQueue()); // as AddKcmServing does after it
        await using var provider = services.BuildServiceProvider();

        var queue = Assert.IsType<AzureTeacherQueue>(provider.GetRequiredService<ITeacherQueue>());
        var store = Assert.IsType<BlobModelStore>(provider.GetRequiredService<IModelStore>());
        Assert.Equal("kcm-teacher-fashion-test", queue.QueueName);
        Assert.Equal(("kcm-models-fashion-test", 30), (store.ContainerName, store.KeepVersions));
        Assert.IsType<AzureTeacherQueueLifecycle>(Assert.Single(provider.GetServices<ILifecycleParticipant<ISiloLifecycle>>()));
    }

    [Fact]
    public void AddKcmAzureStorage_refuses_a_configuration_without_a_connection_string()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Kcm:ModelName"] = "m1" }).Build();

        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKcmAzureStorage(configuration));

        Assert.Contains("Kcm:AzureStorage:ConnectionString must be set", error.Message, StringComparison.Ordinal);
    }

    private sealed class NoQueue : ITeacherQueue
    {
        public int Count => 0;

        public bool TryEnqueue(Guid recordId, TeacherRecord record) => false;

        public ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken) => ValueTask.FromResult(TeacherDelivery.Empty(0));

        public ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
