namespace Cajal.Io;

/// <summary>One safetensors dtype: its name, its size in bits, and the Cajal dtype it loads as (null: not loadable).</summary>
internal sealed record SafeTensorsDType(string Name, int Bits, DType? Target)
{
    /// <summary>True when the bytes are already Cajal's in-memory layout (F32, F64, I64): read without conversion.</summary>
    public bool IsNative => Name is "F32" or "F64" or "I64";
}

/// <summary>The dtypes of the safetensors format, and how each maps to a Cajal <see cref="DType"/>.</summary>
/// <remarks>
/// F32, F64 and I64 load as they are. F16 and BF16 widen to Float32, and the integer and boolean types widen to
/// Int64; every such conversion is exact. U64 (values above 2^63 − 1 do not fit Int64), the 8-, 6- and 4-bit
/// floats and complex C64 are recognised, shown by <c>cajal inspect</c>, and refused by
/// <see cref="SafeTensors.Load(string)"/>.
/// </remarks>
internal static class SafeTensorsDTypes
{
    private static readonly Dictionary<string, SafeTensorsDType> ByName = new SafeTensorsDType[]
    {
        new("F32", 32, DType.Float32),
        new("F64", 64, DType.Float64),
        new("I64", 64, DType.Int64),
        new("F16", 16, DType.Float32),
        new("BF16", 16, DType.Float32),
        new("I32", 32, DType.Int64),
        new("U32", 32, DType.Int64),
        new("I16", 16, DType.Int64),
        new("U16", 16, DType.Int64),
        new("I8", 8, DType.Int64),
        new("U8", 8, DType.Int64),
        new("BOOL", 8, DType.Int64),
        new("U64", 64, null),
        new("F8_E4M3", 8, null),
        new("F8_E5M2", 8, null),
        new("F8_E8M0", 8, null),
        new("F6_E2M3", 6, null),
        new("F6_E3M2", 6, null),
        new("F4", 4, null),
        new("C64", 64, null),
    }.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Looks up a dtype by its exact (case-sensitive) name, as the reference implementation does.</summary>
    public static bool TryGet(string name, out SafeTensorsDType dtype) => ByName.TryGetValue(name, out dtype!);

    /// <summary>The safetensors name of a Cajal dtype.</summary>
    public static string NameOf(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        _ => throw new ArgumentException($"SafeTensors: unknown dtype {dtype}."),
    };
}
