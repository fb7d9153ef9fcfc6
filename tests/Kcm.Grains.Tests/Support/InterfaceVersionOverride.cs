using System.Globalization;
using System.Reflection;
using Orleans.Metadata;

namespace Kcm.Grains.Tests.Support;

/// <summary>
/// Makes a silo (or client) advertise every grain interface of <paramref name="assembly"/> at <paramref name="version"/>
/// in its manifest, as a build whose interfaces carry <c>[Version(version)]</c> would: registered after Orleans' own
/// providers, it overwrites the version the attribute wrote. The code behind the interfaces stays the same.
/// </summary>
internal sealed class InterfaceVersionOverride(Assembly assembly, ushort version) : IGrainInterfacePropertiesProvider
{
    public void Populate(Type interfaceType, GrainInterfaceType grainInterfaceType, Dictionary<string, string> properties)
    {
        if (interfaceType.Assembly == assembly)
        {
            properties[WellKnownGrainInterfaceProperties.Version] = version.ToString(CultureInfo.InvariantCulture);
        }
    }
}
