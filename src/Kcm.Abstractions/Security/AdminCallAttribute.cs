namespace Kcm.Abstractions.Security;

/// <summary>
/// Marks a grain method that changes what the cluster serves (publish, rollback, threshold, a distillation round): a
/// silo refuses it from a client that does not carry the admin credential (<see cref="AdminCredential"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AdminCallAttribute : Attribute
{
}
