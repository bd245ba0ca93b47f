/// PCA, t-SNE, metrics and plots over latent embeddings saved in run files (or any HDF5 / .npy array).
public enum AEAnalysis {}
