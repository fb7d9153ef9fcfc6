namespace Kcm.Grains.Hosting;

/// <summary>The grain-storage provider the registry's state goes through: a host registers a provider under <see cref="Name"/>.</summary>
public static class ServingStorage
{
    /// <summary>The provider name, e.g. <c>siloBuilder.AddMemoryGrainStorage(ServingStorage.Name)</c>.</summary>
    public const string Name = "kcm-serving";
}
