/// Studies: many training runs (grids, cross-validation, cross-training, robustness, classifiers) in one
/// folder, resumable, summarised as tables and figures.
public enum AEStudy {}
