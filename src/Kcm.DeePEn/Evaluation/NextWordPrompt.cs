namespace Kcm.DeePEn.Evaluation;

/// <summary>One next-word prompt: a passage's text up to the end of a run, and the word of the run after it.</summary>
/// <param name="Text">The prompt: a sentence-aligned passage's prefix, ending right after a run (no trailing whitespace).</param>
/// <param name="Target">The next run's word (<see cref="Words.Strip"/>), never empty.</param>
/// <param name="Year">The address the passage comes from.</param>
public sealed record NextWordPrompt(string Text, string Target, int Year);
