namespace Cajal.Data;

/// <summary>Thrown when a dataset's files cannot be found; the message says where it looked and how to get them.</summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public DatasetNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public DatasetNotFoundException() { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public DatasetNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The MNIST family of datasets stored as four IDX files (train/test images and labels).</summary>
public static class MnistFamily
{
    /// <summary>The environment variable naming a data folder.</summary>
    public const string DataVariable = "CAJAL_DATA";

    private static readonly string[] FileStems =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Fashion-MNIST's ten classes (Zalando Research, MIT licence).</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST's ten classes, the digits.</summary>
    public static IReadOnlyList<string> MnistClasses { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>Loads Fashion-MNIST's training (60,000) or test (10,000) images.</summary>
    /// <param name="train">The training split when true, else the test split.</param>
    /// <param name="dataDir">A folder to look in first; then $CAJAL_DATA, then /usr/share/datasets/fashion-mnist.</param>
    public static ByteImageDataset FashionMnist(bool train, string? dataDir = null) =>
        Load("Fashion-MNIST", "fashion-mnist", FashionMnistClasses, train, dataDir,
            "install Debian's package with 'sudo apt-get install dataset-fashion-mnist'");

    /// <summary>Loads MNIST's training or test images.</summary>
    public static ByteImageDataset Mnist(bool train, string? dataDir = null) =>
        Load("MNIST", "mnist", MnistClasses, train, dataDir, "put the four MNIST IDX files in a folder");

    /// <summary>Where Debian's dataset packages install (a test may point it elsewhere).</summary>
    internal static string SystemRoot { get; set; } = "/usr/share/datasets";

    /// <summary>The folders searched for a dataset, in order.</summary>
    public static IReadOnlyList<string> SearchFolders(string folderName, string? dataDir)
    {
        var folders = new List<string>();
        if (!string.IsNullOrEmpty(dataDir)) { folders.Add(dataDir); folders.Add(Path.Combine(dataDir, folderName)); }
        var env = Environment.GetEnvironmentVariable(DataVariable);
        if (!string.IsNullOrEmpty(env)) { folders.Add(env); folders.Add(Path.Combine(env, folderName)); }
        folders.Add(Path.Combine(SystemRoot, folderName));
        return folders;
    }

    /// <summary>The path of a file stem in a folder (raw or .gz), or null.</summary>
    private static string? FindFile(string folder, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The first searched folder holding all four files, or null.</summary>
    public static string? Locate(string folderName, string? dataDir) =>
        SearchFolders(folderName, dataDir).FirstOrDefault(f => FileStems.All(s => FindFile(f, s) is not null));

    private static ByteImageDataset Load(string title, string folderName, IReadOnlyList<string> classes, bool train, string? dataDir, string installHint)
    {
        var folder = Locate(folderName, dataDir) ?? throw new DatasetNotFoundException(
            $"{title} was not found. Looked in: {string.Join(", ", SearchFolders(folderName, dataDir))}. " +
            $"To get it: {installHint}; or pass --data DIR (or set ${DataVariable}) to a folder holding " +
            $"{string.Join(", ", FileStems.Select(s => s + "[.gz]"))}; or run 'cajal download {folderName} --to DIR'.");
        string split = train ? "train" : "t10k";
        var imagesPath = FindFile(folder, $"{split}-images-idx3-ubyte")!;
        var labelsPath = FindFile(folder, $"{split}-labels-idx1-ubyte")!;
        var images = Idx.Read(imagesPath);
        var labels = Idx.Read(labelsPath);
        if (images.Dims.Length != 3)
            throw new IdxFormatException($"IDX file '{imagesPath}': expected 3 dimensions (count, height, width), found {images.Dims.Length}.");
        if (labels.Dims.Length != 1)
            throw new IdxFormatException($"IDX file '{labelsPath}': expected 1 dimension (count), found {labels.Dims.Length}.");
        if (images.Count != labels.Count)
            throw new IdxFormatException($"IDX files '{imagesPath}' and '{labelsPath}': {images.Count} images but {labels.Count} labels.");
        return new ByteImageDataset($"{title} {(train ? "train" : "test")}", images.Data, labels.Data, 1, images.Dims[1], images.Dims[2], classes);
    }
}
