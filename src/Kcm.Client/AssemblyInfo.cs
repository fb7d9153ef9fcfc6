namespace Kcm.Client;
