namespace Kcm.Contracts;
