namespace Cajal.Detection;

/// <summary>Average precision per class and their mean, at one IoU threshold.</summary>
/// <param name="Map">The mean of the per-class APs over the classes that have ground truth; NaN when no class has any.</param>
/// <param name="ClassAp">The AP of each class; NaN for a class with no ground-truth box.</param>
/// <param name="GroundTruthCounts">The number of ground-truth boxes of each class.</param>
/// <param name="DetectionCounts">The number of detections of each class.</param>
/// <param name="IouThreshold">The IoU a detection needs with a ground-truth box to count as a true positive.</param>
public sealed record MeanAveragePrecisionResult(double Map, IReadOnlyList<double> ClassAp, IReadOnlyList<int> GroundTruthCounts,
    IReadOnlyList<int> DetectionCounts, double IouThreshold);

/// <summary>mAP: the mean over classes of the all-point interpolated average precision (PASCAL VOC 2010 and later).</summary>
/// <remarks>
/// <para>Matching, per class: all detections of the class over all images are taken by descending score (ties keep image
/// order, then the order within the image). A detection is a true positive when some still unmatched ground-truth box of
/// its class in its image has IoU ≥ the threshold with it; it takes the unmatched one with the highest IoU (the first on a
/// tie), which is then matched. Otherwise it is a false positive: duplicates of a found object are false positives.</para>
/// <para>AP: with recall r_k = TP_k/G and precision p_k = TP_k/k after the k-th detection (G ground-truth boxes), the
/// precision envelope is p̂(r) = max over k with r_k ≥ r of p_k, and AP = Σ_k (r_k − r_(k−1))·p̂(r_k) with r_0 = 0, the
/// exact area under the envelope (no 11-point sampling). Recall never reached counts as precision 0.</para>
/// <para>Classes with no ground truth have no defined AP (recall is 0/0): they get NaN and are left out of the mean, as
/// VOC's and COCO's evaluators do, even when the class has (necessarily false) detections. The false positives still
/// matter where they belong: a detection's class is part of it, so a box of the wrong class lowers that class's precision
/// and leaves the true class's object unfound.</para>
/// </remarks>
public static class MeanAveragePrecision
{
    /// <summary>Computes AP per class and mAP over a set of images.</summary>
    /// <param name="detections">For each image, its detections (any order; typically after NMS).</param>
    /// <param name="truths">For each image, its ground-truth boxes, in the same units as the detections.</param>
    /// <param name="classes">Number of classes C; every class id must be in [0, C).</param>
    /// <param name="iouThreshold">IoU needed for a match; 0.5 gives mAP@0.5.</param>
    public static MeanAveragePrecisionResult Compute(IReadOnlyList<IReadOnlyList<DetectedBox>> detections,
        IReadOnlyList<IReadOnlyList<GroundTruthBox>> truths, int classes, double iouThreshold = 0.5)
    {
        const string op = "MeanAveragePrecision";
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(truths);
        if (detections.Count != truths.Count)
            throw new ArgumentException($"{op}: detections cover {detections.Count} images but truths cover {truths.Count}.", nameof(truths));
        if (classes < 1) throw new ArgumentException($"{op}: classes must be at least 1, got {classes}.", nameof(classes));
        if (!(iouThreshold >= 0 && iouThreshold <= 1))
            throw new ArgumentException($"{op}: iouThreshold must be in [0, 1], got {iouThreshold}.", nameof(iouThreshold));

        var perClass = new List<(int Image, int Order, DetectedBox Detection)>[classes];
        var truthCounts = new int[classes];
        for (int c = 0; c < classes; c++) perClass[c] = [];
        for (int image = 0; image < truths.Count; image++)
        {
            var gt = truths[image] ?? throw new ArgumentException($"{op}: the truths of image {image} are null.", nameof(truths));
            var found = detections[image] ?? throw new ArgumentException($"{op}: the detections of image {image} are null.", nameof(detections));
            for (int k = 0; k < gt.Count; k++)
                truthCounts[CheckClass(gt[k].Class, classes, $"ground-truth box {k} of image {image}")]++;
            for (int k = 0; k < found.Count; k++)
            {
                if (double.IsNaN(found[k].Score)) throw new ArgumentException($"{op}: detection {k} of image {image} has a NaN score.", nameof(detections));
                perClass[CheckClass(found[k].Class, classes, $"detection {k} of image {image}")].Add((image, k, found[k]));
            }
        }

        var ap = new double[classes];
        for (int c = 0; c < classes; c++)
            ap[c] = truthCounts[c] == 0 ? double.NaN : ClassAp(perClass[c], truths, c, truthCounts[c], iouThreshold);
        var defined = ap.Where(v => !double.IsNaN(v)).ToArray();
        return new MeanAveragePrecisionResult(defined.Length == 0 ? double.NaN : defined.Average(), ap, truthCounts,
            perClass.Select(l => l.Count).ToArray(), iouThreshold);
    }

    /// <summary>The area under the precision envelope of a precision-recall curve (all-point interpolation).</summary>
    /// <param name="recall">Recall after each ranked detection, non-decreasing, in [0, 1].</param>
    /// <param name="precision">Precision after each ranked detection, in [0, 1], as many values as <paramref name="recall"/>.</param>
    /// <remarks>AP = Σ_k (r_k − r_(k−1))·max_(m ≥ k) p_m with r_0 = 0; an empty curve has AP 0.</remarks>
    public static double AveragePrecision(IReadOnlyList<double> recall, IReadOnlyList<double> precision)
    {
        ArgumentNullException.ThrowIfNull(recall);
        ArgumentNullException.ThrowIfNull(precision);
        if (recall.Count != precision.Count)
            throw new ArgumentException($"AveragePrecision: {recall.Count} recall values but {precision.Count} precision values.", nameof(precision));
        for (int k = 0; k < recall.Count; k++)
        {
            if (!(recall[k] >= 0 && recall[k] <= 1) || (k > 0 && recall[k] < recall[k - 1]))
                throw new ArgumentException($"AveragePrecision: recall must be non-decreasing in [0, 1]; value {k} is {recall[k]}.", nameof(recall));
            if (!(precision[k] >= 0 && precision[k] <= 1))
                throw new ArgumentException($"AveragePrecision: precision {k} is {precision[k]}, outside [0, 1].", nameof(precision));
        }
        // The envelope from the right: envelope[k] = max(precision[k..]).
        var envelope = new double[precision.Count];
        double best = 0;
        for (int k = precision.Count - 1; k >= 0; k--) envelope[k] = best = Math.Max(best, precision[k]);
        double area = 0, previous = 0;
        for (int k = 0; k < recall.Count; k++)
        {
            area += (recall[k] - previous) * envelope[k];
            previous = recall[k];
        }
        return area;
    }

    private static double ClassAp(List<(int Image, int Order, DetectedBox Detection)> found, IReadOnlyList<IReadOnlyList<GroundTruthBox>> truths,
        int c, int truthCount, double iouThreshold)
    {
        var ranked = found.OrderByDescending(f => f.Detection.Score).ThenBy(f => f.Image).ThenBy(f => f.Order).ToList();
        var matched = new Dictionary<int, bool[]>();
        var recall = new double[ranked.Count];
        var precision = new double[ranked.Count];
        int truePositives = 0;
        for (int k = 0; k < ranked.Count; k++)
        {
            var (image, _, detection) = ranked[k];
            var gt = truths[image];
            if (!matched.TryGetValue(image, out var used)) matched[image] = used = new bool[gt.Count];
            int bestIndex = -1;
            double bestIou = iouThreshold;
            for (int g = 0; g < gt.Count; g++)
            {
                if (gt[g].Class != c || used[g]) continue;
                double iou = Boxes.Iou(detection.Box, gt[g].Box);
                if (iou >= bestIou && (bestIndex < 0 || iou > bestIou))
                {
                    bestIndex = g;
                    bestIou = iou;
                }
            }
            if (bestIndex >= 0)
            {
                used[bestIndex] = true;
                truePositives++;
            }
            recall[k] = (double)truePositives / truthCount;
            precision[k] = (double)truePositives / (k + 1);
        }
        return AveragePrecision(recall, precision);
    }

    private static int CheckClass(int value, int classes, string what) => (uint)value < (uint)classes
        ? value
        : throw new ArgumentException($"MeanAveragePrecision: {what} has class {value}, outside [0, {classes}).");
}
