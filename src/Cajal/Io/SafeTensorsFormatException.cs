namespace Cajal.Io;

/// <summary>The one exception a safetensors reader throws for a damaged, hostile or unsupported file.</summary>
/// <remarks>
/// Its message names the file, the tensor (when one is at fault) and the problem, with byte offsets where
/// they help: a truncated file, a header length beyond the file or above <see cref="SafeTensors.MaxHeaderLength"/>,
/// a header that is not UTF-8 JSON of the expected shape, an unknown or unsupported dtype, a bad shape,
/// data offsets that are out of bounds, overlap, leave a gap or disagree with shape × element size, and
/// duplicate names. Checkpoints raise it too when a valid safetensors file is not a Cajal checkpoint.
/// It derives from <see cref="FormatException"/> (<see cref="InvalidDataException"/> is sealed).
/// </remarks>
public sealed class SafeTensorsFormatException : FormatException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public SafeTensorsFormatException()
        : base("The safetensors file is damaged.") { }

    /// <summary>Creates the exception with a message that names the file and the problem.</summary>
    /// <param name="message">One line: the file, the tensor, the problem.</param>
    public SafeTensorsFormatException(string message)
        : base(message) { }

    /// <summary>Creates the exception with a message and the error that revealed the problem.</summary>
    /// <param name="message">One line: the file, the tensor, the problem.</param>
    /// <param name="innerException">The underlying error, such as an <see cref="EndOfStreamException"/>.</param>
    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException) { }
}
