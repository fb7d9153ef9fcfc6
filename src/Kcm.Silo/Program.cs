using Kcm.Silo.Hosting;

// The silo executable: the embedded Fashion-MNIST pipeline on one Orleans silo, configured from appsettings.json,
// environment and command line.
await using var silo = SiloHost.CreateEmbedded(args);
await silo.RunAsync();
