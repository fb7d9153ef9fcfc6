namespace Kcm.Grains;
