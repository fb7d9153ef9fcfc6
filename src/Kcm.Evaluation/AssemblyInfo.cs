namespace Kcm.Evaluation;
