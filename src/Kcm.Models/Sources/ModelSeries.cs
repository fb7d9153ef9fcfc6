namespace Kcm.Models.Sources;

/// <summary>The model store's series names of one served model, the one place they are spelled.</summary>
public static class ModelSeries
{
    /// <summary>The series of <paramref name="modelName"/>'s small model versions.</summary>
    public static string Small(string modelName) => modelName + ".small";

    /// <summary>The series of <paramref name="modelName"/>'s judge versions.</summary>
    public static string Judge(string modelName) => modelName + ".judge";
}
