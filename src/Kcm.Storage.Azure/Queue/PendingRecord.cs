using Kcm.Core.Distillation;

namespace Kcm.Storage.Azure.Queue;

/// <summary>A record accepted by the teacher queue and not yet sent, with its producer-made id and its encoded size.</summary>
internal readonly record struct PendingRecord(Guid Id, TeacherRecord Record, int Size);
