namespace Kcm.Storage.Azure.Queue;

/// <summary>The shared teacher queue could not finish an operation on a delivery (e.g. delete its messages); the message says what is left.</summary>
public sealed class TeacherQueueException(string message, Exception? inner = null) : Exception(message, inner);
