using Cajal.Data;

namespace Cajal.Cli;

/// <summary>The datasets the verbs can read.</summary>
internal enum DatasetKind
{
    /// <summary>The full Fashion-MNIST (60,000 train, 10,000 test).</summary>
    FashionMnist,

    /// <summary>The full MNIST digits.</summary>
    Mnist,

    /// <summary>The Fashion-MNIST subset compiled into cajal (2,000 train, 500 test).</summary>
    Embedded,
}

/// <summary>The dataset a run uses, both splits loaded, and a sentence saying why it was chosen.</summary>
/// <param name="Kind">Which dataset.</param>
/// <param name="Train">The training split (after --limit).</param>
/// <param name="Test">The test split.</param>
/// <param name="Reason">Where it came from and why, for the run's header.</param>
internal sealed record DatasetChoice(DatasetKind Kind, ByteImageDataset Train, ByteImageDataset Test, string Reason)
{
    /// <summary>Command-line names of the datasets.</summary>
    public static IReadOnlyDictionary<string, DatasetKind> Names { get; } = new Dictionary<string, DatasetKind>
    {
        ["fashion-mnist"] = DatasetKind.FashionMnist, ["mnist"] = DatasetKind.Mnist, ["embedded"] = DatasetKind.Embedded,
    };

    /// <summary>The command-line name of a dataset.</summary>
    public static string Name(DatasetKind kind) => Names.First(kv => kv.Value == kind).Key;

    /// <summary>The class names of a dataset.</summary>
    public static IReadOnlyList<string> Classes(DatasetKind kind) =>
        kind == DatasetKind.Mnist ? MnistFamily.MnistClasses : MnistFamily.FashionMnistClasses;

    /// <summary>
    /// Loads the dataset asked for; with none asked for, the full Fashion-MNIST when it is found (--data, $CAJAL_DATA,
    /// /usr/share/datasets/fashion-mnist), otherwise the embedded subset. A missing full dataset throws
    /// <see cref="DatasetNotFoundException"/>, whose message says how to get it.
    /// </summary>
    public static DatasetChoice Load(DatasetKind? requested, string? dataDir, int? limit, bool needTrain = true)
    {
        DatasetKind kind;
        string reason;
        if (requested is { } asked)
        {
            kind = asked;
            reason = $"--dataset {Name(asked)}";
        }
        else if (MnistFamily.Locate("fashion-mnist", dataDir) is { } found)
        {
            kind = DatasetKind.FashionMnist;
            reason = $"no --dataset given and the full Fashion-MNIST is installed in {found}";
        }
        else
        {
            kind = DatasetKind.Embedded;
            reason = "no --dataset given and the full Fashion-MNIST was not found " +
                     $"(looked in {string.Join(", ", MnistFamily.SearchFolders("fashion-mnist", dataDir))}); " +
                     "for the full dataset: 'sudo apt-get install dataset-fashion-mnist', or 'cajal download fashion-mnist --to DIR' and --data DIR";
        }

        ByteImageDataset Split(bool train) => kind switch
        {
            DatasetKind.FashionMnist => MnistFamily.FashionMnist(train, dataDir),
            DatasetKind.Mnist => MnistFamily.Mnist(train, dataDir),
            _ => EmbeddedFashionMnist.Load(train),
        };
        var test = Split(train: false);
        var trainSplit = needTrain ? Split(train: true) : test;
        if (kind != DatasetKind.Embedded && requested is not null)
            reason += $", found in {MnistFamily.Locate(Name(kind), dataDir)}";
        if (limit is int n && n < trainSplit.Count)
            trainSplit = trainSplit.Subset(Enumerable.Range(0, n).ToArray(), $"{trainSplit.Name} (first {n})");
        return new DatasetChoice(kind, trainSplit, test, reason);
    }

    /// <summary>A title such as "Fashion-MNIST" or "embedded Fashion-MNIST subset".</summary>
    public string Title => TitleOf(Kind);

    /// <summary>A title such as "Fashion-MNIST" or "embedded Fashion-MNIST subset".</summary>
    public static string TitleOf(DatasetKind kind) => kind switch
    {
        DatasetKind.FashionMnist => "Fashion-MNIST",
        DatasetKind.Mnist => "MNIST",
        _ => "embedded Fashion-MNIST subset",
    };
}
